/** A payee's KYC as a card payout needs it (payouts.md: name, passport, PINFL, dates). */
export const KYC = {
  lastName: 'Karimov',
  firstName: 'Aziz',
  passport: 'AA1234567',
  pinfl: '31234567890123',
  dob: '1990-04-01',
  passportExpiryDate: '2030-04-01',
};

let nextReference = 0;

/**
 * A valid payout body: a card payout of 50 000 so'm to a seller through Multicard, with a fresh
 * reference each call, and the overrides (a notifyUrl, another provider or destination, …).
 */
export function payoutBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    source: 'marketplace',
    businessId: 'biz_42',
    provider: 'multicard',
    amount: 5_000_000,
    currency: 'UZS',
    destination: { cardPan: '8600123412341234' },
    purpose: 'seller_payout',
    reference: `po_${Date.now()}_${++nextReference}`,
    ...overrides,
  };
}
