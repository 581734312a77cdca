import { CheckoutInvoice } from '../../payment-provider.interface';

/** The account field Payme sends back in every Merchant API call: our invoice id. */
export const PAYME_ACCOUNT_FIELD = 'order_id';

/**
 * Payme's GET checkout link (payme.md §5): base URL + base64("m=…;ac.order_id=…;a=…;c=…;l=…"),
 * standard base64 with padding. `a` is in tiyin. A `;` inside the return URL would end its field,
 * so it is percent-encoded.
 */
export function paymeCheckoutUrl(
  baseUrl: string,
  credentials: { merchantId: string },
  invoice: Pick<CheckoutInvoice, 'id' | 'amount' | 'returnUrl' | 'lang'>,
): string {
  const fields = [
    `m=${credentials.merchantId}`,
    `ac.${PAYME_ACCOUNT_FIELD}=${invoice.id}`,
    `a=${invoice.amount}`,
  ];
  if (invoice.returnUrl) fields.push(`c=${invoice.returnUrl.replace(/;/g, '%3B')}`);
  if (invoice.lang) fields.push(`l=${invoice.lang}`);
  return `${baseUrl.replace(/\/+$/, '')}/${Buffer.from(fields.join(';'), 'utf8').toString('base64')}`;
}

/** The fields of a checkout link, decoded (for tests and the sandbox checkout page). */
export function decodePaymeCheckout(encoded: string): Record<string, string> {
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  return Object.fromEntries(
    text.split(';').map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}
