import { WebhookEventStatus } from './webhook-event.entity';
import { canTransitionWebhookEvent } from './webhook-event.state-machine';

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
