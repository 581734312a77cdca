import { Invoice } from '../invoices/invoice.entity';

/**
 * The webhook body: exactly seed 000's fields, in its order, then additive ones (a manual-capture
 * invoice's also carry its capture mode, held and captured amounts and capture deadline). Serialised once
 * when the event is written; every attempt sends these bytes.
 */
export function webhookBody(invoice: Invoice, eventId: string, createdAt: Date): string {
  return JSON.stringify({
    id: invoice.id,
    source: invoice.source,
    businessId: invoice.businessId,
    sourceInvoiceId: invoice.sourceInvoiceId,
    amount: invoice.amount,
    currency: invoice.currency,
    status: invoice.status,
    providerUuid: invoice.providerRef,
    paidAt: invoice.paidAt ? invoice.paidAt.toISOString() : null,
    card:
      invoice.cardPan || invoice.paymentSystem
        ? { pan: invoice.cardPan, paymentSystem: invoice.paymentSystem }
        : null,
    receiptUrl: invoice.receiptUrl,
    provider: invoice.provider,
    refundedAmount: invoice.refundedAmount,
    statusReason: invoice.statusReason,
    eventId,
    sequence: invoice.version,
    createdAt: createdAt.toISOString(),
    // A two-stage payment's fields, only on its own events: other bodies stay exactly as they were.
    ...(invoice.captureMode === 'manual'
      ? {
          capture: invoice.captureMode,
          heldAmount: invoice.heldAmount,
          capturedAmount: invoice.capturedAmount,
          captureBefore: invoice.captureBefore ? invoice.captureBefore.toISOString() : null,
        }
      : {}),
  });
}
