import { WebhookEventStatus } from './webhook-event.entity';
import {
  canTransitionWebhookEvent,
  SUPERSEDABLE_WEBHOOK_EVENT_STATUSES,
  WEBHOOK_EVENT_DISPATCHABLE,
  webhookEventStatusAfterAttempt,
} from './webhook-event.state-machine';

const S = WebhookEventStatus;
const ALLOWED = new Set([
  `${S.Pending}>${S.Delivered}`,
  `${S.Pending}>${S.Dead}`,
  `${S.Dead}>${S.Pending}`,
  `${S.Pending}>${S.Superseded}`,
  `${S.Dead}>${S.Superseded}`,
]);

describe('webhook event state machine', () => {
  const all = Object.values(WebhookEventStatus);
  it.each(all.flatMap((from) => all.map((to) => [from, to] as const)))('%s → %s', (from, to) => {
    expect(canTransitionWebhookEvent(from, to)).toBe(ALLOWED.has(`${from}>${to}`));
  });
});

describe('webhook event status after a delivery attempt (what the dispatcher records)', () => {
  it.each([
    // delivered, gone (410), a retry is scheduled → the claimed pending event's next status
    [true, false, true, S.Delivered],
    [true, false, false, S.Delivered],
    [false, true, true, S.Dead],
    [false, true, false, S.Dead],
    [false, false, false, S.Dead],
    [false, false, true, S.Pending],
  ] as const)(
    'delivered=%s gone=%s retryScheduled=%s → %s',
    (delivered, gone, retryScheduled, to) => {
      expect(webhookEventStatusAfterAttempt({ delivered, gone, retryScheduled })).toBe(to);
    },
  );

  it('claims only pending events and writes an outcome only over the status it was decided from', () => {
    expect(WEBHOOK_EVENT_DISPATCHABLE).toBe(S.Pending);
  });

  it('supersedes exactly the statuses the table lets become superseded', () => {
    expect([...SUPERSEDABLE_WEBHOOK_EVENT_STATUSES].sort()).toEqual([S.Dead, S.Pending].sort());
  });
});
