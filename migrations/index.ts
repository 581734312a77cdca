import { InitialSchema1795458195306 } from './1795458195306-InitialSchema';
import { AddInvoicesAndIdempotencyKeys1795459051038 } from './1795459051038-AddInvoicesAndIdempotencyKeys';
import { AddProviderTransactionsCallbackLogAndOutbox1795460703280 } from './1795460703280-AddProviderTransactionsCallbackLogAndOutbox';
import { AddWebhookAttemptsAndLeases1795462732681 } from './1795462732681-AddWebhookAttemptsAndLeases';
import { AddRefundsAndReconciliationRuns1795465473022 } from './1795465473022-AddRefundsAndReconciliationRuns';
import { AddCheckoutSessions1795466309189 } from './1795466309189-AddCheckoutSessions';
import { AddOrderLevelTruth1796003394746 } from './1796003394746-AddOrderLevelTruth';
import { AddRefundIdempotencyKey1796003518473 } from './1796003518473-AddRefundIdempotencyKey';
import { AddMerchantAccountMode1796004428180 } from './1796004428180-AddMerchantAccountMode';
import { AddInvoiceHolds1796015832210 } from './1796015832210-AddInvoiceHolds';
import { AddPayouts1796020365401 } from './1796020365401-AddPayouts';
import { AddInvoiceAmountReceived1796021145548 } from './1796021145548-AddInvoiceAmountReceived';
import { AddPayoutInvoice1796021945233 } from './1796021945233-AddPayoutInvoice';
import { AddApiKeys1796025959483 } from './1796025959483-AddApiKeys';
import { AddInvoiceStatsIndex1796026134772 } from './1796026134772-AddInvoiceStatsIndex';
import { AddWebhookEventsPendingCreatedAtIndex1796028435184 } from './1796028435184-AddWebhookEventsPendingCreatedAtIndex';
import { ScopeRefundIdempotencyKeys1796029707443 } from './1796029707443-ScopeRefundIdempotencyKeys';

/** Every migration in order. `npm run migration:generate -- Name` appends to this list. */
export const MIGRATIONS: Function[] = [
  InitialSchema1795458195306,
  AddInvoicesAndIdempotencyKeys1795459051038,
  AddProviderTransactionsCallbackLogAndOutbox1795460703280,
  AddWebhookAttemptsAndLeases1795462732681,
  AddRefundsAndReconciliationRuns1795465473022,
  AddCheckoutSessions1795466309189,
  AddOrderLevelTruth1796003394746,
  AddRefundIdempotencyKey1796003518473,
  AddMerchantAccountMode1796004428180,
  AddInvoiceHolds1796015832210,
  AddPayouts1796020365401,
  AddInvoiceAmountReceived1796021145548,
  AddPayoutInvoice1796021945233,
  AddApiKeys1796025959483,
  AddInvoiceStatsIndex1796026134772,
  AddWebhookEventsPendingCreatedAtIndex1796028435184,
  ScopeRefundIdempotencyKeys1796029707443,
];
