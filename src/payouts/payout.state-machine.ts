import { Payout, PayoutStatus } from './payout.entity';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';

/**
 * payouts.md §7: requested → (pending_approval →) approved → submitted → succeeded | failed, or
 * pending_approval → rejected. A payout is never sent twice, so nothing leads back to approved.
 */
export const PAYOUT_TRANSITIONS: Record<PayoutStatus, readonly PayoutStatus[]> = {
  [PayoutStatus.Requested]: [PayoutStatus.PendingApproval, PayoutStatus.Approved],
  [PayoutStatus.PendingApproval]: [PayoutStatus.Approved, PayoutStatus.Rejected],
  // failed from approved: its call never started and cannot (a card number that was never kept).
  [PayoutStatus.Approved]: [PayoutStatus.Submitted, PayoutStatus.Failed],
  [PayoutStatus.Submitted]: [PayoutStatus.Succeeded, PayoutStatus.Failed],
  [PayoutStatus.Succeeded]: [],
  [PayoutStatus.Failed]: [],
  [PayoutStatus.Rejected]: [],
};

export const FINAL_PAYOUT_STATUSES: readonly PayoutStatus[] = [
  PayoutStatus.Succeeded,
  PayoutStatus.Failed,
  PayoutStatus.Rejected,
];

export function canTransitionPayout(from: PayoutStatus, to: PayoutStatus): boolean {
  return PAYOUT_TRANSITIONS[from].includes(to);
}

/** Moves the payout to `to` (asserting the move, 409 otherwise) and bumps its version. */
export function applyPayoutTransition(payout: Payout, to: PayoutStatus, at: Date): void {
  if (!canTransitionPayout(payout.status, to)) {
    throw new DomainError(
      ErrorCode.InvalidStateTransition,
      [`payout ${payout.id} is ${payout.status}; it cannot become ${to}`],
      { entity: 'payout', id: payout.id, from: payout.status, to },
    );
  }
  payout.status = to;
  payout.version += 1;
  if (FINAL_PAYOUT_STATUSES.includes(to)) payout.completedAt = at;
}
