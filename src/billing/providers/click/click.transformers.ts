import { toMajorUnitString } from '../../../common/money/money';
import { CheckoutInvoice } from '../../payment-provider.interface';

/**
 * The buyer's link to Click (click.md §1). The amount is in som with exactly two decimals: Click
 * signs the amount string as it appears in the link (§3.3), so one canonical format here makes
 * the Prepare/Complete callbacks predictable. `transaction_param` carries our invoice id and comes
 * back as `merchant_trans_id`.
 */
export function clickCheckoutUrl(
  baseUrl: string,
  credentials: { serviceId: string; merchantId: string },
  invoice: Pick<CheckoutInvoice, 'id' | 'amount' | 'currency' | 'returnUrl'>,
): string {
  const params = new URLSearchParams({
    service_id: credentials.serviceId,
    merchant_id: credentials.merchantId,
    amount: toMajorUnitString(invoice.amount, invoice.currency),
    transaction_param: invoice.id,
  });
  if (invoice.returnUrl) params.set('return_url', invoice.returnUrl);
  return `${baseUrl}?${params.toString()}`;
}
