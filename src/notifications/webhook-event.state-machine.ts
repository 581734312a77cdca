import { WebhookEventStatus } from './webhook-event.entity';

/**
 * pending → delivered (a 2xx) | dead (410 Gone, or the schedule ran out); dead → pending (a manual
 * retry revives it). A delivered event is final.
 */
export const WEBHOOK_EVENT_TRANSITIONS: Record<WebhookEventStatus, readonly WebhookEventStatus[]> =
  {
    [WebhookEventStatus.Pending]: [WebhookEventStatus.Delivered, WebhookEventStatus.Dead],
    [WebhookEventStatus.Delivered]: [],
    [WebhookEventStatus.Dead]: [WebhookEventStatus.Pending],
  };

export function canTransitionWebhookEvent(
  from: WebhookEventStatus,
  to: WebhookEventStatus,
): boolean {
  return WEBHOOK_EVENT_TRANSITIONS[from].includes(to);
}
