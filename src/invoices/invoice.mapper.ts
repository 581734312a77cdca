import { InvoiceResponseDto } from './dto/invoice-response.dto';
import { Invoice } from './invoice.entity';
import { CsvValue } from '../common/http/csv';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** The API's view of an invoice: the seed's fields plus the rest. */
export function toInvoiceResponse(invoice: Invoice): InvoiceResponseDto {
  return {
    id: invoice.id,
    source: invoice.source,
    businessId: invoice.businessId,
    provider: invoice.provider,
    sourceInvoiceId: invoice.sourceInvoiceId,
    amount: invoice.amount,
    currency: invoice.currency,
    status: invoice.status,
    statusReason: invoice.statusReason,
    refundedAmount: invoice.refundedAmount,
    checkoutUrl: invoice.checkoutUrl,
    deeplink: invoice.deeplink,
    providerUuid: invoice.providerRef,
    notifyUrl: invoice.notifyUrl,
    returnUrl: invoice.returnUrl,
    returnErrorUrl: invoice.returnErrorUrl,
    lang: invoice.lang,
    ofd: invoice.ofd,
    card:
      invoice.cardPan || invoice.paymentSystem
        ? { pan: invoice.cardPan, paymentSystem: invoice.paymentSystem }
        : null,
    receiptUrl: invoice.receiptUrl,
    capture: invoice.captureMode,
    heldAmount: invoice.heldAmount,
    amountReceived: invoice.amountReceived,
    overpaidAmount: invoice.overpaidAmount,
    capturedAmount: invoice.capturedAmount,
    captureBefore: iso(invoice.captureBefore),
    holdAction: invoice.holdAction,
    authorizedAt: iso(invoice.authorizedAt),
    paidAt: iso(invoice.paidAt),
    cancelledAt: iso(invoice.cancelledAt),
    expiresAt: invoice.expiresAt.toISOString(),
    notifyDelivered: invoice.notifyDelivered,
    createdAt: invoice.createdAt.toISOString(),
    updatedAt: invoice.updatedAt.toISOString(),
  };
}

/** The CSV export's columns, in order: the header names the fields of the JSON list. */
export const INVOICE_CSV_COLUMNS = [
  'id',
  'createdAt',
  'source',
  'businessId',
  'provider',
  'sourceInvoiceId',
  'amount',
  'currency',
  'status',
  'statusReason',
  'refundedAmount',
  'providerUuid',
  'paidAt',
  'cancelledAt',
  'expiresAt',
] as const satisfies readonly (keyof InvoiceResponseDto)[];

/** One invoice's CSV cells, in INVOICE_CSV_COLUMNS order. */
export function toInvoiceCsvCells(invoice: InvoiceResponseDto): CsvValue[] {
  return INVOICE_CSV_COLUMNS.map((column) => invoice[column]);
}
