import { Payout, PayoutStatus } from './payout.entity';
import { applyPayoutTransition, canTransitionPayout } from './payout.state-machine';
import { DomainError } from '../common/errors/domain.error';

const S = PayoutStatus;
/**
 * Where each status may go (payouts.md §7), written out independently of the machine's table and
 * checked against the enum, so a new status fails this spec until it is classified here.
 */
const EXPECTED: Record<PayoutStatus, readonly PayoutStatus[]> = {
  [S.Requested]: [S.PendingApproval, S.Approved],
  [S.PendingApproval]: [S.Approved, S.Rejected],
  // failed: a call that never started and cannot (a card number never kept).
  [S.Approved]: [S.Submitted, S.Failed],
  [S.Submitted]: [S.Succeeded, S.Failed],
  [S.Succeeded]: [],
  [S.Failed]: [],
  [S.Rejected]: [],
};

const FINAL = [S.Succeeded, S.Failed, S.Rejected];

function payoutIn(status: PayoutStatus): Payout {
  return Object.assign(new Payout(), { id: 'po-1', status, version: 3, completedAt: null });
}

describe('payout state machine', () => {
  const all = Object.values(PayoutStatus);

  it('classifies every status of the enum', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...all].sort());
  });

  const pairs = all.flatMap((from) => all.map((to) => [from, to] as const));
  it.each(pairs)('%s → %s is allowed exactly when the table says so', (from, to) => {
    const allowed = EXPECTED[from].includes(to);
    expect(canTransitionPayout(from, to)).toBe(allowed);
    const payout = payoutIn(from);
    const at = new Date('2026-05-12T10:01:23Z');
    if (allowed) {
      applyPayoutTransition(payout, to, at);
      expect(payout).toMatchObject({
        status: to,
        version: 4,
        completedAt: FINAL.includes(to) ? at : null,
      });
    } else {
      expect(() => applyPayoutTransition(payout, to, at)).toThrow(DomainError);
      expect(payout).toMatchObject({ status: from, version: 3, completedAt: null });
    }
  });

  it('never leads back to approved once submitted (one provider call per payout)', () => {
    const reachable = new Set<PayoutStatus>();
    const walk = (from: PayoutStatus): void => {
      for (const to of EXPECTED[from]) {
        if (reachable.has(to)) continue;
        reachable.add(to);
        walk(to);
      }
    };
    walk(S.Submitted);
    expect(reachable.has(S.Approved)).toBe(false);
  });
});
