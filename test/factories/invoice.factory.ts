import { randomUUID } from 'node:crypto';

/** A valid receipt line set adding up to `amount` tiyin. */
export function ofdFor(amount: number): Record<string, unknown>[] {
  return [
    {
      qty: 1,
      price: amount,
      total: amount,
      mxik: '06401004002000000',
      package_code: '1506113',
      name: 'Test',
      vat: 0,
    },
  ];
}

/** A valid create-invoice body (a fresh order id each call) with overrides. */
export function invoiceBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const amount = (overrides.amount as number | undefined) ?? 100000;
  return {
    source: 'marketplace',
    businessId: 'biz_42',
    provider: 'click',
    sourceInvoiceId: `order_${randomUUID()}`,
    amount,
    notifyUrl: 'https://shop.example/api/payments/webhook',
    returnUrl: 'https://shop.example/orders/1',
    lang: 'ru',
    ofd: ofdFor(amount),
    ...overrides,
  };
}
