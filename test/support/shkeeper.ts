/**
 * The body of a SHKeeper callback for one of our invoices (shkeeper.md §7.2), SK3-style: compact,
 * key-sorted, as SHKeeper serialises it; `balance` is the fiat balance, `extra` adds or replaces
 * fields. The caller signs the exact text.
 */
export function shkeeperInvoiceCallback(
  id: string,
  status: string,
  balance: string,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    addr: '0xabc',
    balance_crypto: '10',
    balance_fiat: balance,
    crypto: 'ETH-USDT',
    external_id: id,
    fee_fixed: '0',
    fee_percent: '2',
    fee_policy: 'PERCENT_FEE',
    fiat: 'UZS',
    overpaid_fiat: '0.00',
    paid: status !== 'PARTIAL',
    status,
    transactions: [
      {
        amount_crypto: '10',
        amount_fiat: balance,
        amount_fiat_without_fee: balance,
        crypto: 'ETH-USDT',
        date: '2024-06-25 15:45:38',
        fee_fiat: '0',
        trigger: true,
        txid: `0x${status}${balance}`,
      },
    ],
    ...extra,
  });
}
