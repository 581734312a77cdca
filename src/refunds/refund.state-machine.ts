import { Refund, RefundStatus } from './refund.entity';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';

/** pending → succeeded | failed; both are final. */
export const REFUND_TRANSITIONS: Record<RefundStatus, readonly RefundStatus[]> = {
  [RefundStatus.Pending]: [RefundStatus.Succeeded, RefundStatus.Failed],
  [RefundStatus.Succeeded]: [],
  [RefundStatus.Failed]: [],
};

export function canTransitionRefund(from: RefundStatus, to: RefundStatus): boolean {
  return REFUND_TRANSITIONS[from].includes(to);
}

/** Moves the refund to `to` (asserting the move) and stamps its completion. */
export function applyRefundTransition(
  refund: Refund,
  to: RefundStatus,
  at: Date,
  failure: { message: string; providerCode: string | null } | null = null,
): void {
  if (!canTransitionRefund(refund.status, to)) {
    throw new DomainError(
      ErrorCode.InvalidStateTransition,
      [`refund ${refund.id} cannot go from ${refund.status} to ${to}`],
      { entity: 'refund', id: refund.id, from: refund.status, to },
    );
  }
  refund.status = to;
  refund.completedAt = at;
  refund.failureMessage = failure?.message ?? null;
  refund.providerCode = failure?.providerCode ?? null;
}
