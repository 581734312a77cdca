import { Currency } from '../common/money/currency';
import { RefundResponseDto } from './dto/refund-response.dto';
import { Refund } from './refund.entity';

/**
 * The API's view of a refund, in its invoice's currency: a refund returns part of one payment, so
 * its amount is in minor units of the currency that invoice was paid in.
 */
export function toRefundResponse(refund: Refund, currency: Currency): RefundResponseDto {
  return {
    id: refund.id,
    invoiceId: refund.invoiceId,
    provider: refund.provider,
    amount: refund.amount,
    currency,
    status: refund.status,
    reason: refund.reason,
    ofd: refund.ofd,
    failureMessage: refund.failureMessage,
    providerCode: refund.providerCode,
    createdAt: refund.createdAt.toISOString(),
    completedAt: refund.completedAt ? refund.completedAt.toISOString() : null,
  };
}
