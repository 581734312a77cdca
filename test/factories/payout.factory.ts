/** A payee's KYC as a card payout needs it (payouts.md: name, passport, PINFL, dates). */
export const KYC = {
  lastName: 'Karimov',
  firstName: 'Aziz',
  passport: 'AA1234567',
  pinfl: '31234567890123',
  dob: '1990-04-01',
  passportExpiryDate: '2030-04-01',
};
