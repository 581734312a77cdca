import { Refund, RefundStatus } from './refund.entity';
import { applyRefundTransition, canTransitionRefund } from './refund.state-machine';
import { DomainError } from '../common/errors/domain.error';

const S = RefundStatus;
/**
 * Where each status may go, written out here independently of the machine's own table. Typed by
 * the enum and checked against it at run time, so a new status fails this spec until it is
 * classified here.
 */
const EXPECTED: Record<RefundStatus, readonly RefundStatus[]> = {
  [S.Pending]: [S.Succeeded, S.Failed],
  [S.Succeeded]: [],
  [S.Failed]: [],
};

function refundIn(status: RefundStatus): Refund {
  return Object.assign(new Refund(), {
    id: 'ref-1',
    status,
    completedAt: null,
    failureMessage: null,
    providerCode: null,
  });
}

describe('refund state machine', () => {
  const all = Object.values(RefundStatus);

  it('classifies every status of the enum', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...all].sort());
  });

  const pairs = all.flatMap((from) => all.map((to) => [from, to] as const));
  it.each(pairs)('%s → %s is allowed exactly when the table says so', (from, to) => {
    const allowed = (EXPECTED[from] ?? []).includes(to);
    expect(canTransitionRefund(from, to)).toBe(allowed);
    const refund = refundIn(from);
    const at = new Date('2026-05-12T10:01:23Z');
    if (allowed) {
      applyRefundTransition(refund, to, at);
      expect(refund).toMatchObject({ status: to, completedAt: at });
    } else {
      expect(() => applyRefundTransition(refund, to, at)).toThrow(DomainError);
      expect(refund).toMatchObject({ status: from, completedAt: null });
    }
  });

  it('records the failure of a failed refund and clears it on success', () => {
    const at = new Date('2026-05-12T10:01:23Z');
    const failed = refundIn(S.Pending);
    applyRefundTransition(failed, S.Failed, at, { message: 'declined', providerCode: '-31007' });
    expect(failed).toMatchObject({ failureMessage: 'declined', providerCode: '-31007' });
    const succeeded = refundIn(S.Pending);
    applyRefundTransition(succeeded, S.Succeeded, at);
    expect(succeeded).toMatchObject({ failureMessage: null, providerCode: null });
  });
});
