import { WebhookEventStatus } from './webhook-event.entity';
import {
  canTransitionWebhookEvent,
  SUPERSEDABLE_WEBHOOK_EVENT_STATUSES,
  WEBHOOK_EVENT_DISPATCHABLE,
  webhookEventStatusAfterAttempt,
} from './webhook-event.state-machine';

const S = WebhookEventStatus;
/**
 * Where each status may go, written out here independently of the machine's own table. Typed by
 * the enum and checked against it at run time, so a new status fails this spec until it is
 * classified here.
 */
const EXPECTED: Record<WebhookEventStatus, readonly WebhookEventStatus[]> = {
  [S.Pending]: [S.Delivered, S.Dead, S.Superseded],
  [S.Delivered]: [],
  [S.Dead]: [S.Pending, S.Superseded],
  [S.Superseded]: [],
};

describe('webhook event state machine', () => {
  const all = Object.values(WebhookEventStatus);

  it('classifies every status of the enum', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...all].sort());
  });

  it.each(all.flatMap((from) => all.map((to) => [from, to] as const)))(
    '%s → %s is allowed exactly when the table says so',
    (from, to) => {
      expect(canTransitionWebhookEvent(from, to)).toBe((EXPECTED[from] ?? []).includes(to));
    },
  );
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
