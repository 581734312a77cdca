import { WebhookEventStatus } from './webhook-event.entity';

/**
 * pending → delivered (a 2xx) | dead (410 Gone, or the schedule ran out) | superseded (another
 * invoice of its order was paid); dead → pending (a manual retry revives it) | superseded. A
 * delivered or superseded event is final.
 */
export const WEBHOOK_EVENT_TRANSITIONS: Record<WebhookEventStatus, readonly WebhookEventStatus[]> =
  {
    [WebhookEventStatus.Pending]: [
      WebhookEventStatus.Delivered,
      WebhookEventStatus.Dead,
      WebhookEventStatus.Superseded,
    ],
    [WebhookEventStatus.Delivered]: [],
    [WebhookEventStatus.Dead]: [WebhookEventStatus.Pending, WebhookEventStatus.Superseded],
    [WebhookEventStatus.Superseded]: [],
  };

export function canTransitionWebhookEvent(
  from: WebhookEventStatus,
  to: WebhookEventStatus,
): boolean {
  return WEBHOOK_EVENT_TRANSITIONS[from].includes(to);
}

/** The status the dispatcher claims events in (and decides their next status from). */
export const WEBHOOK_EVENT_DISPATCHABLE = WebhookEventStatus.Pending;

/** The statuses an event may leave for superseded (the outbox's "the order was paid" step). */
export const SUPERSEDABLE_WEBHOOK_EVENT_STATUSES: readonly WebhookEventStatus[] = Object.values(
  WebhookEventStatus,
).filter((from) => canTransitionWebhookEvent(from, WebhookEventStatus.Superseded));

/**
 * The next status of a claimed (pending) event after one delivery attempt: delivered on a 2xx;
 * dead on 410 Gone or when the retry schedule ran out; otherwise still pending (the next attempt
 * is scheduled). Staying pending is no transition; any other result is checked against the table.
 */
export function webhookEventStatusAfterAttempt(outcome: {
  delivered: boolean;
  gone: boolean;
  retryScheduled: boolean;
}): WebhookEventStatus {
  const from = WEBHOOK_EVENT_DISPATCHABLE;
  const to = outcome.delivered
    ? WebhookEventStatus.Delivered
    : outcome.gone || !outcome.retryScheduled
      ? WebhookEventStatus.Dead
      : from;
  if (to !== from && !canTransitionWebhookEvent(from, to))
    throw new Error(`a webhook event cannot go from ${from} to ${to}`);
  return to;
}
