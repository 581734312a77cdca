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
