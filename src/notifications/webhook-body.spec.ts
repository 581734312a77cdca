import { webhookBody } from './webhook-body';
import { InvoiceStatus } from '../invoices/invoice-status.enum';
import { Invoice } from '../invoices/invoice.entity';

const AT = new Date('2026-11-30T05:00:00Z');

function invoice(extra: Partial<Invoice>): Invoice {
  return Object.assign(new Invoice(), {
    id: 'inv-1',
    source: 'marketplace',
    businessId: 'biz_1',
    sourceInvoiceId: 'order_1',
    amount: 100_000,
    currency: 'UZS',
    status: InvoiceStatus.Paid,
    providerRef: 'p-1',
    paidAt: AT,
    cardPan: null,
    paymentSystem: null,
    receiptUrl: null,
    provider: 'example',
    refundedAmount: 0,
    statusReason: null,
    version: 3,
    captureMode: 'automatic',
    heldAmount: null,
    capturedAmount: null,
    captureBefore: null,
    ...extra,
  });
}

describe('webhookBody of a two-stage payment', () => {
  it("leaves an automatic invoice's body exactly as it was", () => {
    const body = JSON.parse(webhookBody(invoice({}), 'ev-1', AT)) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'id',
      'source',
      'businessId',
      'sourceInvoiceId',
      'amount',
      'currency',
      'status',
      'providerUuid',
      'paidAt',
      'card',
      'receiptUrl',
      'provider',
      'refundedAmount',
      'statusReason',
      'eventId',
      'sequence',
      'createdAt',
    ]);
  });

  it('adds the capture mode, held and captured amounts and capture-before after the rest', () => {
    const held = JSON.parse(
      webhookBody(
        invoice({
          status: InvoiceStatus.Authorized,
          paidAt: null,
          captureMode: 'manual',
          heldAmount: 100_000,
          captureBefore: new Date('2026-12-07T05:00:00Z'),
        }),
        'ev-2',
        AT,
      ),
    ) as Record<string, unknown>;
    expect(Object.keys(held).slice(-4)).toEqual([
      'capture',
      'heldAmount',
      'capturedAmount',
      'captureBefore',
    ]);
    expect(held).toMatchObject({
      status: 'authorized',
      capture: 'manual',
      heldAmount: 100_000,
      capturedAmount: null,
      captureBefore: '2026-12-07T05:00:00.000Z',
    });
    const captured = JSON.parse(
      webhookBody(
        invoice({ captureMode: 'manual', heldAmount: 100_000, capturedAmount: 60_000 }),
        'ev-3',
        AT,
      ),
    ) as Record<string, unknown>;
    expect(captured).toMatchObject({ status: 'paid', amount: 100_000, capturedAmount: 60_000 });
  });
});
