import { Injectable } from '@nestjs/common';

import { CallbackLog } from '../callbacks/callback-log.service';
import { CallbackSupport } from '../callbacks/callback-support.service';
import { Invoice } from '../invoices/invoice.entity';
import { InvoicesService } from '../invoices/invoices.service';
import { MerchantAccount } from '../merchants/merchant-account.entity';
import { MerchantsService } from '../merchants/merchants.service';
import { WebhooksService } from '../notifications/webhooks.service';
import { Refund } from '../refunds/refund.entity';
import { RefundsService } from '../refunds/refunds.service';

export interface MerchantFilter {
  q?: string;
  provider?: string;
  active?: string;
}

export type Row = Record<string, unknown>;

/** One invoice with everything staff need to understand it. */
export interface InvoiceDossier {
  invoice: Invoice;
  transactions: Row[];
  callbacks: Row[];
  events: (Row & { attempts: Row[] })[];
  refunds: Refund[];
}

const LIST_LIMIT = 100;
/** The dossier shows at most this many logged callbacks. */
const DOSSIER_CALLBACKS = 200;

/**
 * Read models of the admin pages, composed from the owning modules' read methods (this module
 * owns no table); the writes go through the owning services too.
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly merchants: MerchantsService,
    private readonly invoicesService: InvoicesService,
    private readonly refunds: RefundsService,
    private readonly webhooks: WebhooksService,
    private readonly callbackLog: CallbackLog,
    private readonly callbacks: CallbackSupport,
  ) {}

  merchantAccounts(filter: MerchantFilter): Promise<MerchantAccount[]> {
    return this.merchants.search(
      {
        q: filter.q,
        provider: filter.provider,
        active:
          filter.active === 'true' || filter.active === 'false'
            ? filter.active === 'true'
            : undefined,
      },
      LIST_LIMIT,
    );
  }

  setMerchantActive(id: string, active: boolean): Promise<MerchantAccount> {
    return this.merchants.setActive(id, active);
  }

  /** By invoice id, order id or business id (exact), or the newest; optionally one status. */
  invoices(q: string | undefined, status: string | undefined): Promise<Invoice[]> {
    return this.invoicesService.search(q?.trim() || undefined, status, LIST_LIMIT);
  }

  async invoiceDossier(id: string): Promise<InvoiceDossier | null> {
    const invoice = await this.invoicesService.findOne(id);
    if (!invoice) return null;
    const [transactions, callbacks, events, refunds] = await Promise.all([
      this.callbacks.transactionsOfInvoice(id),
      this.callbackLog.ofInvoice(id, DOSSIER_CALLBACKS),
      this.webhooks.eventsOfInvoice(id),
      this.refunds.ofInvoice(id),
    ]);
    return { invoice, transactions, callbacks, events, refunds };
  }
}
