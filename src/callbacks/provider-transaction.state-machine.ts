import { ProviderTransaction, ProviderTransactionState } from './provider-transaction.entity';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';

/**
 * The life of one provider transaction. `created → completed` (the money was taken);
 * `created → cancelled` (the provider or we called it off first) `| failed` (it expired);
 * `completed → reversed` (the money went back). Nothing else assigns `transaction.state`; the
 * bulk expiry (CallbackSupport.closeStaleTransactions) asserts its move here before its UPDATE.
 */
export const PROVIDER_TRANSACTION_TRANSITIONS: Record<
  ProviderTransactionState,
  readonly ProviderTransactionState[]
> = {
  [ProviderTransactionState.Created]: [
    ProviderTransactionState.Completed,
    ProviderTransactionState.Cancelled,
    ProviderTransactionState.Failed,
  ],
  [ProviderTransactionState.Completed]: [ProviderTransactionState.Reversed],
  [ProviderTransactionState.Cancelled]: [],
  [ProviderTransactionState.Reversed]: [],
  [ProviderTransactionState.Failed]: [],
};

export function canTransitionProviderTransaction(
  from: ProviderTransactionState,
  to: ProviderTransactionState,
): boolean {
  return PROVIDER_TRANSACTION_TRANSITIONS[from].includes(to);
}

export function isTerminalProviderTransactionState(state: ProviderTransactionState): boolean {
  return PROVIDER_TRANSACTION_TRANSITIONS[state].length === 0;
}

export function assertProviderTransactionTransition(
  transaction: Pick<ProviderTransaction, 'id' | 'state'>,
  to: ProviderTransactionState,
): void {
  if (!canTransitionProviderTransaction(transaction.state, to)) {
    throw new DomainError(
      ErrorCode.InvalidStateTransition,
      [`provider transaction ${transaction.id} cannot go from ${transaction.state} to ${to}`],
      {
        entity: 'provider_transaction',
        id: transaction.id,
        from: transaction.state,
        to,
        allowed: PROVIDER_TRANSACTION_TRANSITIONS[transaction.state],
      },
    );
  }
}

/**
 * Moves the transaction to `to` (asserting the move) and stamps the time that state records:
 * `completedMs` on completion, `cancelledMs` on every closing state (the protocols answer it as
 * the cancel time). `reason` (the protocol's cancel reason code) is recorded when given.
 */
export function applyProviderTransactionTransition(
  transaction: ProviderTransaction,
  to: ProviderTransactionState,
  atMs: number,
  reason?: number | null,
): void {
  assertProviderTransactionTransition(transaction, to);
  transaction.state = to;
  if (to === ProviderTransactionState.Completed) transaction.completedMs = atMs;
  else transaction.cancelledMs = atMs;
  if (reason !== undefined) transaction.reason = reason;
}
