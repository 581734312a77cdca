import { getMetadataArgsStorage } from 'typeorm';

import { Invoice } from './invoice.entity';
import { INSERT_NEW_INVOICES, newInvoiceRow } from './invoices.repository';
import { SnakeNamingStrategy } from '../database/snake-naming.strategy';

const naming = new SnakeNamingStrategy();
const invoiceColumns = new Set(
  getMetadataArgsStorage()
    .columns.filter((c) => c.target === Invoice)
    .map((c) => naming.columnName(c.propertyName, c.options.name, [])),
);

/** The column names of a parenthesised list that follows `marker` in the statement. */
function listAfter(marker: RegExp): string[] {
  const text = INSERT_NEW_INVOICES.text;
  const start = text.search(marker);
  expect(start).toBeGreaterThanOrEqual(0);
  const open = text.indexOf('(', start);
  const close = text.indexOf(')', open);
  return text
    .slice(open + 1, close)
    .split(',')
    .map((part) => part.trim().split(/\s+/)[0]);
}

function invoice(): Invoice {
  return Object.assign(new Invoice(), {
    id: '3f0c1e7a-8a7b-4c55-9a43-0d6f3a1c2b10',
    merchantAccountId: 'a6f1b1a2-0f1e-4c5d-8e9f-1a2b3c4d5e6f',
    source: 'shop',
    businessId: 'b-1',
    provider: 'sandboxpay',
    sourceInvoiceId: 'order-1',
    amount: 150_000,
    currency: 'UZS',
    status: 'pending',
    notifyUrl: 'https://app.example/hook',
    returnUrl: null,
    returnErrorUrl: null,
    lang: 'ru',
    ofd: null,
    checkoutUrl: 'https://pay.example/c',
    deeplink: null,
    providerRef: null,
    expiresAt: new Date('2026-05-12T10:00:00Z'),
  });
}

describe('InvoicesRepository.insertNew: the column list written once', () => {
  const recordColumns = listAfter(/AS b\(/);
  const insertColumns = listAfter(/INSERT INTO invoices /);

  it('the batch record, the row sent and the INSERT name the same columns in the same order', () => {
    expect(Object.keys(newInvoiceRow(invoice()))).toEqual(recordColumns);
    expect(insertColumns.slice(0, recordColumns.length)).toEqual(recordColumns);
  });

  it('inserts only columns the Invoice entity has, each once', () => {
    expect(insertColumns.filter((c) => !invoiceColumns.has(c))).toEqual([]);
    expect(new Set(insertColumns).size).toBe(insertColumns.length);
  });

  it('sends the invoice’s own values under their columns', () => {
    const row = newInvoiceRow(invoice());
    expect(row).toMatchObject({
      merchant_account_id: 'a6f1b1a2-0f1e-4c5d-8e9f-1a2b3c4d5e6f',
      source_invoice_id: 'order-1',
      amount: 150_000,
      expires_at: '2026-05-12T10:00:00.000Z',
      checkout_url: 'https://pay.example/c',
    });
  });
});
