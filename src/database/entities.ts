import { ApiKey } from '../api-keys/api-key.entity';
import { CheckoutSession } from '../checkout/checkout-session.entity';
import { CallbackLogEntry } from '../callbacks/callback-log.entity';
import { ProviderTransaction } from '../callbacks/provider-transaction.entity';
import { IdempotencyKey } from '../common/idempotency/idempotency-key.entity';
import { Invoice } from '../invoices/invoice.entity';
import { InvoiceOrder } from '../invoices/invoice-order.entity';
import { MerchantAccount } from '../merchants/merchant-account.entity';
import { WebhookAttempt } from '../notifications/webhook-attempt.entity';
import { WebhookEvent } from '../notifications/webhook-event.entity';
import { ReconciliationRun } from '../reconciliation/reconciliation-run.entity';
import { Payout } from '../payouts/payout.entity';
import { Refund } from '../refunds/refund.entity';

/** Every entity; the migrations must produce exactly their schema (see schema.e2e-spec). */
export const ENTITIES = [
  MerchantAccount,
  Invoice,
  InvoiceOrder,
  IdempotencyKey,
  ProviderTransaction,
  CallbackLogEntry,
  WebhookEvent,
  WebhookAttempt,
  Refund,
  ReconciliationRun,
  CheckoutSession,
  Payout,
  ApiKey,
];
