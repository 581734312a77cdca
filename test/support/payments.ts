import { press } from './browser-http';
import { TestApp } from './test-app';
import { eventually } from './webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';

/**
 * An invoice of `provider` paid as a buyer pays it: created over the API, its sandbox checkout
 * opened and Pay pressed (the emulator calls the gateway back over HTTP). Returns the paid invoice.
 */
export async function payInvoice(
  t: TestApp,
  provider: 'multicard' | 'click' | 'payme',
  overrides: Record<string, unknown> = {},
): Promise<Record<string, any>> {
  const created = await t.request('/api/invoices', {
    method: 'POST',
    json: invoiceBody({ provider, ...overrides }),
  });
  if (created.status !== 201) throw new Error(`create answered ${created.status}: ${created.text}`);
  const invoice = created.body.data;
  await press(t.baseUrl, invoice.checkoutUrl, 'Pay');
  let paid: Record<string, any> = {};
  await eventually(async () => {
    paid = (await t.request(`/api/invoices/${invoice.id}`)).body.data;
    return paid.status === 'paid';
  });
  return paid;
}
