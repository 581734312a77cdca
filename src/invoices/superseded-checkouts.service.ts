import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  DataSource,
  EntitySubscriberInterface,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';

import { Invoice } from './invoice.entity';
import { heldOrderLocks, supersededCheckouts } from './invoice-transitions.service';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { MerchantsService } from '../merchants/merchants.service';

/**
 * Annuls at the provider the checkouts of invoices closed as superseded (their order was paid by
 * another invoice), once the transaction that closed them has committed: never a provider call
 * inside a transaction, and never for a change that rolled back. Best effort: a checkout that
 * cannot be annulled stays refused by our side (the invoice is cancelled and its order paid, so a
 * payment of it is answered "already paid" and the provider returns the money).
 */
@Injectable()
export class SupersededCheckouts implements EntitySubscriberInterface {
  private readonly logger = new Logger(SupersededCheckouts.name);

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly registry: PaymentProviderRegistry,
    private readonly merchants: MerchantsService,
  ) {
    dataSource.subscribers.push(this);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (event.queryRunner.isTransactionActive) return; // a savepoint released: not committed yet
    heldOrderLocks(event.manager).clear();
    const closed = supersededCheckouts(event.manager).splice(0);
    for (const invoice of closed) void this.annul(invoice);
  }

  /** Rolled back (or back to a savepoint): nothing it closed may be annulled. */
  afterTransactionRollback(event: TransactionRollbackEvent): void {
    supersededCheckouts(event.manager).splice(0);
    // The order locks taken since the savepoint are released with it; forget them all (taking
    // one again is harmless).
    heldOrderLocks(event.manager).clear();
  }

  /**
   * Annuls one closed invoice's provider checkout, where its provider keeps one: a superseded
   * invoice's, or an expired one's (InvoiceExpiryService; `why` names it in the log).
   */
  async annul(invoice: Invoice, why: 'Superseded' | 'Expired' = 'Superseded'): Promise<void> {
    const provider = this.registry.get(invoice.provider);
    if (!provider.cancelCheckout || !invoice.providerRef) return;
    try {
      const account = await this.merchants.findById(invoice.merchantAccountId);
      await provider.cancelCheckout(
        invoice.providerRef,
        this.merchants.providerContext(account),
        invoice.id,
      );
      this.logger.log(
        { invoiceId: invoice.id, provider: provider.name },
        `${why} checkout annulled`,
      );
    } catch (error) {
      this.logger.warn(
        { invoiceId: invoice.id, provider: provider.name, err: error },
        `Could not annul a ${why.toLowerCase()} checkout; payments of it are refused`,
      );
    }
  }
}
