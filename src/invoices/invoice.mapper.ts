import { InvoiceResponseDto } from './dto/invoice-response.dto';
import { Invoice } from './invoice.entity';

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
    paidAt: iso(invoice.paidAt),
    cancelledAt: iso(invoice.cancelledAt),
    expiresAt: invoice.expiresAt.toISOString(),
    notifyDelivered: invoice.notifyDelivered,
    createdAt: invoice.createdAt.toISOString(),
    updatedAt: invoice.updatedAt.toISOString(),
  };
}

const CSV_COLUMNS: (keyof InvoiceResponseDto)[] = [
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
];

function csvCell(value: string | number | boolean | null | undefined | object): string {
  if (typeof value === 'object' && value !== null) return csvCell(JSON.stringify(value));
  const text = value === null || value === undefined ? '' : String(value);
  // Quote when needed; neutralise spreadsheet formulas (a cell starting with = + - @).
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toInvoicesCsv(invoices: InvoiceResponseDto[]): string {
  const lines = [
    CSV_COLUMNS.join(','),
    ...invoices.map((i) => CSV_COLUMNS.map((c) => csvCell(i[c])).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
