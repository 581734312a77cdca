import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { Invoice } from '../invoices/invoice.entity';
import { MerchantAccount } from '../merchants/merchant-account.entity';
import { MerchantsService } from '../merchants/merchants.service';
import { Refund } from '../refunds/refund.entity';

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

/** Read models of the admin pages (the writes go through the owning services). */
@Injectable()
export class AdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly merchants: MerchantsService,
  ) {}

  async merchantAccounts(filter: MerchantFilter): Promise<MerchantAccount[]> {
    const qb = this.dataSource.manager
      .createQueryBuilder(MerchantAccount, 'm')
      .select([
        'm.id',
        'm.source',
        'm.businessId',
        'm.provider',
        'm.displayName',
        'm.isActive',
        'm.createdAt',
      ]);
    if (filter.q)
      qb.andWhere('(m.business_id ILIKE :q OR m.source ILIKE :q OR m.display_name ILIKE :q)', {
        q: `%${filter.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`,
      });
    if (filter.provider) qb.andWhere('m.provider = :provider', { provider: filter.provider });
    if (filter.active === 'true' || filter.active === 'false')
      qb.andWhere('m.is_active = :active', { active: filter.active === 'true' });
    return qb
      .orderBy('m.source')
      .addOrderBy('m.business_id')
      .addOrderBy('m.provider')
      .limit(LIST_LIMIT)
      .getMany();
  }

  setMerchantActive(id: string, active: boolean): Promise<MerchantAccount> {
    return this.merchants.setActive(id, active);
  }

  /** By invoice id, order id or business id (exact), or the newest; optionally one status. */
  async invoices(q: string | undefined, status: string | undefined): Promise<Invoice[]> {
    const qb = this.dataSource.manager.createQueryBuilder(Invoice, 'i');
    const term = q?.trim();
    if (term) {
      const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(term);
      qb.andWhere(
        isUuid
          ? '(i.id = :term OR i.source_invoice_id = :term)'
          : '(i.source_invoice_id = :term OR i.business_id = :term)',
        { term },
      );
    }
    if (status) qb.andWhere('i.status = :status', { status });
    return qb.orderBy('i.created_at', 'DESC').limit(LIST_LIMIT).getMany();
  }

  async invoiceDossier(id: string): Promise<InvoiceDossier | null> {
    const invoice = await this.dataSource.manager.findOneBy(Invoice, { id });
    if (!invoice) return null;
    const [transactions, callbacks, events, attempts, refunds] = await Promise.all([
      this.dataSource.query<Row[]>(
        `SELECT provider_txn_id, state, amount, details, created_at FROM provider_transactions
         WHERE invoice_id = $1 ORDER BY created_at`,
        [id],
      ),
      this.dataSource.query<Row[]>(
        `SELECT action, outcome, response_status, created_at FROM callback_log
         WHERE invoice_id = $1 ORDER BY created_at LIMIT 200`,
        [id],
      ),
      this.dataSource.query<Row[]>(
        `SELECT id, sequence, status, attempts, last_status, last_error, delivered_at, created_at
         FROM webhook_events WHERE invoice_id = $1 ORDER BY sequence`,
        [id],
      ),
      this.dataSource.query<Row[]>(
        `SELECT a.event_id, a.n, a.started_at, a.duration_ms, a.response_status, a.error
         FROM webhook_attempts a JOIN webhook_events e ON e.id = a.event_id
         WHERE e.invoice_id = $1 ORDER BY a.started_at`,
        [id],
      ),
      this.dataSource.manager.find(Refund, {
        where: { invoiceId: id },
        order: { createdAt: 'ASC' },
      }),
    ]);
    return {
      invoice,
      transactions,
      callbacks,
      events: events.map((event) => ({
        ...event,
        attempts: attempts.filter((a) => a.event_id === event.id),
      })),
      refunds,
    };
  }
}
