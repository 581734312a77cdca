/**
 * PAYOUT_APPROVAL_THRESHOLDS: per-source overrides of PAYOUT_APPROVAL_THRESHOLD, as
 * `source:amount,source:amount` (minor units). A source may itself contain `:`, so the amount is
 * what follows the last one. Problems are reported, never guessed around: a typo here would let a
 * source's payouts skip the approval it was meant to have.
 */
export function parsePayoutApprovalThresholds(
  raw: string | undefined,
  problems: string[],
): Map<string, number> {
  const thresholds = new Map<string, number>();
  for (const entry of (raw ?? '').split(',')) {
    const item = entry.trim();
    if (item === '') continue;
    const colon = item.lastIndexOf(':');
    const source = item.slice(0, colon).trim();
    const amount = item.slice(colon + 1).trim();
    if (colon <= 0 || source === '' || !/^\d{1,15}$/.test(amount)) {
      problems.push(
        `PAYOUT_APPROVAL_THRESHOLDS entry "${item}" must be source:amount (amount in minor units, a whole number)`,
      );
      continue;
    }
    if (thresholds.has(source)) {
      problems.push(`PAYOUT_APPROVAL_THRESHOLDS names source "${source}" twice`);
      continue;
    }
    thresholds.set(source, Number(amount));
  }
  return thresholds;
}
