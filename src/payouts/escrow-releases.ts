import type { EntityManager } from 'typeorm';

import { PayoutPurpose, PayoutStatus } from './payout.entity';

/** Releases whose money is gone or may still go: every one but a failed or rejected one. */
const NOT_RELEASING = [PayoutStatus.Failed, PayoutStatus.Rejected];

/**
 * What the escrow releases of an invoice took or may still take of its money, in its minor
 * units. The Payouts module's own read of its table, exported as a function (not through
 * PayoutsService) so that RefundsService can count releases without a module cycle; callers hold
 * the invoice's row lock, which every release and refund of the invoice takes first.
 */
export async function releasedAmountOf(m: EntityManager, invoiceId: string): Promise<number> {
  const [{ total }] = await m.query<{ total: string }[]>(
    `SELECT COALESCE(sum(amount), 0)::text AS total FROM payouts
      WHERE invoice_id = $1 AND purpose = $2 AND status <> ALL($3::text[])`,
    [invoiceId, PayoutPurpose.EscrowRelease, NOT_RELEASING],
  );
  return Number(total);
}
