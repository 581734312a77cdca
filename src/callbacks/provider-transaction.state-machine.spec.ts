import { ProviderTransaction, ProviderTransactionState } from './provider-transaction.entity';
import {
  applyProviderTransactionTransition,
  canTransitionProviderTransaction,
  isTerminalProviderTransactionState,
} from './provider-transaction.state-machine';
import { DomainError } from '../common/errors/domain.error';

const S = ProviderTransactionState;
const ALLOWED = new Set([
  `${S.Created}>${S.Completed}`,
  `${S.Created}>${S.Cancelled}`,
  `${S.Created}>${S.Failed}`,
  `${S.Completed}>${S.Reversed}`,
]);

function transactionIn(state: ProviderTransactionState): ProviderTransaction {
  return Object.assign(new ProviderTransaction(), {
    id: 'ptx-1',
    state,
    reason: null,
    completedMs: null,
    cancelledMs: null,
  });
}

describe('provider transaction state machine', () => {
  const all = Object.values(ProviderTransactionState);
  const pairs = all.flatMap((from) => all.map((to) => [from, to] as const));

  it.each(pairs)('%s → %s is allowed exactly when the table says so', (from, to) => {
    const allowed = ALLOWED.has(`${from}>${to}`);
    expect(canTransitionProviderTransaction(from, to)).toBe(allowed);
    const transaction = transactionIn(from);
    if (allowed) {
      applyProviderTransactionTransition(transaction, to, 1_000);
      expect(transaction.state).toBe(to);
    } else {
      expect(() => applyProviderTransactionTransition(transaction, to, 1_000)).toThrow(DomainError);
      expect(transaction).toMatchObject({ state: from, completedMs: null, cancelledMs: null });
    }
  });

  it('stamps completion on completed, closing time and reason on the closing states', () => {
    const completed = transactionIn(S.Created);
    applyProviderTransactionTransition(completed, S.Completed, 1_700);
    expect(completed).toMatchObject({ completedMs: 1_700, cancelledMs: null, reason: null });

    const reversed = transactionIn(S.Completed);
    reversed.completedMs = 1_700;
    applyProviderTransactionTransition(reversed, S.Reversed, 2_500, 5);
    expect(reversed).toMatchObject({ completedMs: 1_700, cancelledMs: 2_500, reason: 5 });

    for (const to of [S.Cancelled, S.Failed]) {
      const closed = transactionIn(S.Created);
      applyProviderTransactionTransition(closed, to, 3_000);
      expect(closed).toMatchObject({ state: to, completedMs: null, cancelledMs: 3_000 });
    }
  });

  it('keeps a reason already recorded when the move gives none', () => {
    const closed = transactionIn(S.Created);
    closed.reason = 4;
    applyProviderTransactionTransition(closed, S.Cancelled, 3_000);
    expect(closed.reason).toBe(4);
  });

  it('knows the terminal states', () => {
    expect(all.filter(isTerminalProviderTransactionState).sort()).toEqual(
      [S.Cancelled, S.Reversed, S.Failed].sort(),
    );
  });
});
