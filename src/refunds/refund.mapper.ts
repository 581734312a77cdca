import { RefundResponseDto } from './dto/refund-response.dto';
import { Refund } from './refund.entity';

export function toRefundResponse(refund: Refund): RefundResponseDto {
  return {
    id: refund.id,
    invoiceId: refund.invoiceId,
    provider: refund.provider,
    amount: refund.amount,
    currency: 'UZS',
    status: refund.status,
    reason: refund.reason,
    ofd: refund.ofd,
    failureMessage: refund.failureMessage,
    providerCode: refund.providerCode,
    createdAt: refund.createdAt.toISOString(),
    completedAt: refund.completedAt ? refund.completedAt.toISOString() : null,
  };
}
