import { WebhookEventStatus } from './webhook-event.entity';
import { canTransitionWebhookEvent } from './webhook-event.state-machine';

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
