import type { CsvValue } from '../common/http/csv';
import { PayoutResponseDto } from './dto/payout-response.dto';
import { Payout } from './payout.entity';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toPayoutResponse(payout: Payout): PayoutResponseDto {
  const d = payout.destination;
  return {
    id: payout.id,
    source: payout.source,
    businessId: payout.businessId,
    provider: payout.provider,
    reference: payout.reference,
    purpose: payout.purpose,
    invoiceId: payout.invoiceId,
    amount: payout.amount,
    currency: payout.currency,
    status: payout.status,
    destination: {
      type: d.type,
      cardMask: d.cardMask ?? null,
      cardToken: d.cardToken ?? null,
      address: d.address ?? null,
      crypto: d.crypto ?? null,
    },
    approvalRequired: payout.approvalRequired,
    approvedBy: payout.approvedBy,
    approvedAt: iso(payout.approvedAt),
    rejectedBy: payout.rejectedBy,
    rejectionReason: payout.rejectionReason,
    providerRef: payout.providerRef,
    providerStatus: payout.providerStatus,
    failureMessage: payout.failureMessage,
    providerCode: payout.providerCode,
    description: payout.description,
    submittedAt: iso(payout.submittedAt),
    completedAt: iso(payout.completedAt),
    createdAt: payout.createdAt.toISOString(),
  };
}

/**
 * The `payout.updated` webhook body: the payout as `GET /api/payouts/:id` shows it, then the
 * event's id, the payout's version (`sequence`, increasing per payout) and when it was written.
 * Serialised once when the event is written; every attempt sends these bytes.
 */
export function payoutWebhookBody(payout: Payout, eventId: string, createdAt: Date): string {
  return JSON.stringify({
    ...toPayoutResponse(payout),
    eventId,
    sequence: payout.version,
    createdAt: createdAt.toISOString(),
  });
}

export const PAYOUT_CSV_COLUMNS = [
  'id',
  'createdAt',
  'source',
  'businessId',
  'provider',
  'reference',
  'purpose',
  'invoiceId',
  'amount',
  'currency',
  'status',
  'approvedBy',
  'providerRef',
  'failureMessage',
  'completedAt',
] as const;

export function toPayoutCsvCells(payout: PayoutResponseDto): CsvValue[] {
  return PAYOUT_CSV_COLUMNS.map((column) => payout[column]);
}

/** A card number as it may be kept and shown: first six and last four digits. */
export function maskCardPan(pan: string): string {
  return `${pan.slice(0, 6)}${'*'.repeat(Math.max(0, pan.length - 10))}${pan.slice(-4)}`;
}
