import { Injectable } from '@nestjs/common';

import { AdminSession } from './admin-auth.service';
import { AdminPageNotFound } from './admin-refusals';
import {
  renderInvoice,
  renderInvoices,
  renderMerchants,
  renderOverview,
  renderPayout,
  renderPayouts,
  renderReconciliation,
  renderStuck,
} from './admin.pages';
import { AdminService } from './admin.service';
import { renderApiKeys } from './admin-api-keys.page';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { IDENTIFIER_PATTERN } from '../merchants/dto/register-merchant.dto';
import { lastDays } from './admin-charts';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain.error';
import { InvoiceStatsService } from '../invoices/invoice-stats.service';
import { WebhooksService } from '../notifications/webhooks.service';
import { PayoutsService } from '../payouts/payouts.service';
import { ReconciliationService } from '../reconciliation/reconciliation.service';

/** A page's query string or a posted form, as Fastify parses them. */
export type Form = Record<string, string | undefined>;

/** What a redirect after a POST may announce (keys, so a link cannot put words on the page). */
const FLASH: Record<string, string> = {
  activated: 'Merchant account activated.',
  deactivated: 'Merchant account deactivated: its checkouts stop.',
  delivered: 'Retried: the webhook was delivered.',
  undelivered: 'Retried: the receiver still did not accept it (see the attempts).',
  'retry-refused':
    'That webhook cannot be retried now: already delivered, being delivered, or older than what ' +
    'the app was already told of its order.',
  ran: 'Reconciliation run finished.',
  busy: 'A reconciliation run is already going on.',
  'payout-approved': 'Payout approved and sent (see its status).',
  'payout-rejected': 'Payout rejected: nothing was sent.',
  'key-revoked': 'API key revoked: it is refused from now on.',
  'key-refused':
    'No key created: the source must be 1-128 letters, digits and _ . : @ - (starting with a letter or digit), and the name 1-200 characters.',
  'payout-refused':
    'That payout could not be decided: it is no longer awaiting approval, or a name (and a reason) is missing.',
};

/** How many days the overview's charts cover. */
const OVERVIEW_DAYS = 30;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Only a path of the admin itself (never another site) is a place to go back to. */
export function safeNext(next: string | undefined, fallback = '/admin'): string {
  return next && /^\/admin(\/[\w\-/]*)?(\?[\w\-=&%.]*)?$/.test(next) ? next : fallback;
}

function flash(query: Form): string | null {
  return query.flash ? (FLASH[query.flash] ?? null) : null;
}

/**
 * Each admin page, composed from the owning services' read methods and rendered (admin.pages.ts),
 * and each form's action, answering where to redirect after it (POST/redirect/GET).
 */
@Injectable()
export class AdminPages {
  constructor(
    private readonly admin: AdminService,
    private readonly webhooks: WebhooksService,
    private readonly reconciliation: ReconciliationService,
    private readonly registry: PaymentProviderRegistry,
    private readonly payoutsService: PayoutsService,
    private readonly apiKeys: ApiKeysService,
    private readonly invoiceStats: InvoiceStatsService,
    private readonly clock: Clock,
  ) {}

  async apiKeysPage(session: AdminSession, query: Form): Promise<string> {
    return renderApiKeys(session, await this.apiKeys.list(), flash(query));
  }

  /**
   * Creates a key from the form and answers with the page showing its secret (once), or null when
   * the form is invalid (the controller then redirects with a notice).
   */
  async createApiKey(session: AdminSession, form: Form): Promise<string | null> {
    const source = form.source?.trim() ?? '';
    const name = form.name?.trim() ?? '';
    if (!IDENTIFIER_PATTERN.test(source) || name === '' || name.length > 200) return null;
    const created = await this.apiKeys.create(source, name);
    return renderApiKeys(session, await this.apiKeys.list(), null, created);
  }

  async revokeApiKey(id: string): Promise<string> {
    if (UUID.test(id)) {
      try {
        await this.apiKeys.revoke(id);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
      }
    }
    return '/admin/api-keys?flash=key-revoked';
  }

  /** The charts of the last OVERVIEW_DAYS UTC days (today included) and the job queue. */
  async overview(session: AdminSession): Promise<string> {
    const now = this.clock.now();
    const days = lastDays(now, OVERVIEW_DAYS);
    const [stats, jobs, oldestPendingSince] = await Promise.all([
      this.invoiceStats.stats({ createdFrom: `${days[0]}T00:00:00Z`, groupBy: 'day' }),
      this.webhooks.jobs(),
      this.webhooks.oldestPendingSince(),
    ]);
    return renderOverview(session, jobs, { now, days, stats, oldestPendingSince });
  }

  async merchants(session: AdminSession, query: Form): Promise<string> {
    const filter = { q: query.q, provider: query.provider, active: query.active };
    return renderMerchants(
      session,
      await this.admin.merchantAccounts(filter),
      filter,
      this.registry.names(),
      flash(query),
    );
  }

  async invoices(session: AdminSession, query: Form): Promise<string> {
    return renderInvoices(
      session,
      await this.admin.invoices(query.q, query.status || undefined),
      query.q ?? '',
      query.status ?? '',
    );
  }

  async invoice(session: AdminSession, id: string, query: Form): Promise<string> {
    const dossier = UUID.test(id) ? await this.admin.invoiceDossier(id) : null;
    if (!dossier) throw new AdminPageNotFound('no such invoice');
    return renderInvoice(session, dossier, flash(query));
  }

  async stuck(session: AdminSession, query: Form): Promise<string> {
    return renderStuck(session, await this.webhooks.stuck(null), flash(query));
  }

  async reconciliationRuns(session: AdminSession, query: Form): Promise<string> {
    return renderReconciliation(
      session,
      (await this.reconciliation.listRuns({})).items,
      flash(query),
    );
  }

  async setMerchantActive(id: string, form: Form): Promise<string> {
    const active = form.active === 'true';
    if (UUID.test(id)) await this.admin.setMerchantActive(id, active);
    return `/admin/merchants?flash=${active ? 'activated' : 'deactivated'}`;
  }

  async retryWebhook(id: string, form: Form): Promise<string> {
    const back = safeNext(form.back, '/admin/stuck');
    let outcome = 'retry-refused';
    if (UUID.test(id)) {
      try {
        outcome =
          (await this.webhooks.retry(id, null)).status === 'delivered'
            ? 'delivered'
            : 'undelivered';
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
      }
    }
    return `${back}?flash=${outcome}`;
  }

  async payouts(session: AdminSession, query: Form): Promise<string> {
    const [awaiting, recent] = await Promise.all([
      this.payoutsService.awaitingApproval(),
      this.payoutsService.latest(50),
    ]);
    return renderPayouts(session, awaiting, recent, flash(query));
  }

  async payout(session: AdminSession, id: string, query: Form): Promise<string> {
    const payout = UUID.test(id) ? await this.payoutsService.findById(id).catch(() => null) : null;
    if (!payout) throw new AdminPageNotFound('no such payout');
    return renderPayout(session, payout, await this.webhooks.eventsOfPayout(id), flash(query));
  }

  /**
   * Approves or rejects a payout from its form. The admin has one password, not personal logins,
   * so the staff member types their name; it is recorded as `admin:<name>`.
   */
  async decidePayout(id: string, decision: 'approve' | 'reject', form: Form): Promise<string> {
    const back = safeNext(form.back, `/admin/payouts/${UUID.test(id) ? id : ''}`);
    const by = form.by?.trim().slice(0, 200);
    const reason = form.reason?.trim().slice(0, 500);
    let outcome = 'payout-refused';
    if (UUID.test(id) && by && (decision === 'approve' || reason)) {
      try {
        if (decision === 'approve') await this.payoutsService.approve(id, `admin:${by}`);
        else await this.payoutsService.reject(id, reason!, `admin:${by}`);
        outcome = decision === 'approve' ? 'payout-approved' : 'payout-rejected';
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
      }
    }
    return `${back}?flash=${outcome}`;
  }

  async runReconciliation(): Promise<string> {
    const run = await this.reconciliation.run('api');
    return `/admin/reconciliation?flash=${run ? 'ran' : 'busy'}`;
  }
}
