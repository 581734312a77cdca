import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AdminAuth, AdminSession } from './admin-auth.service';
import {
  renderAdminDisabled,
  renderInvoice,
  renderInvoices,
  renderLogin,
  renderMerchants,
  renderOverview,
  renderReconciliation,
  renderStuck,
} from './admin.pages';
import { AdminService } from './admin.service';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { DomainError } from '../common/errors/domain.error';
import { escapeHtml, htmlPage } from '../common/http/html';
import { WebhooksService } from '../notifications/webhooks.service';
import { ReconciliationService } from '../reconciliation/reconciliation.service';
import { Public } from '../common/auth/route-access.decorators';

type Form = Record<string, string | undefined>;

const ADMIN_LOGIN_ATTEMPTS_PER_MINUTE = 10;

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
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Staff pages under /admin, behind ADMIN_PASSWORD. Every page needs a session (otherwise a
 * redirect to the login); every form posts a CSRF token. Data comes from the owning services.
 */
@ApiExcludeController()
@Public()
@Controller('admin')
export class AdminController {
  constructor(
    private readonly auth: AdminAuth,
    private readonly admin: AdminService,
    private readonly webhooks: WebhooksService,
    private readonly reconciliation: ReconciliationService,
    private readonly registry: PaymentProviderRegistry,
  ) {}

  @Get('login')
  login(
    @Query('next') next: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    if (!this.auth.enabled) return this.disabled(reply);
    html(reply);
    return renderLogin(this.auth.loginToken(request, reply), safeNext(next), null);
  }

  /** Password guessing is slowed to ADMIN_LOGIN_ATTEMPTS_PER_MINUTE per IP (then 429). */
  @Post('login')
  @Throttle({ default: { limit: ADMIN_LOGIN_ATTEMPTS_PER_MINUTE, ttl: 60_000 } })
  submitLogin(
    @Body() form: Form,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    if (!this.auth.enabled) return this.disabled(reply);
    html(reply);
    const next = safeNext(form?.next);
    if (!this.auth.checkLoginToken(request, form?._csrf)) {
      void reply.status(403);
      return renderLogin(
        this.auth.loginToken(request, reply),
        next,
        'The form expired: try again.',
      );
    }
    if (!this.auth.checkPassword(form?.password)) {
      void reply.status(401);
      return renderLogin(this.auth.loginToken(request, reply), next, 'Wrong password.');
    }
    this.auth.startSession(reply);
    return redirect(reply, next);
  }

  @Post('logout')
  logout(
    @Body() form: Form,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> | string {
    return this.act(request, reply, form, () => {
      this.auth.endSession(reply);
      return Promise.resolve('/admin/login');
    });
  }

  @Get()
  overview(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.page(request, reply, async (session) =>
      renderOverview(session, await this.webhooks.jobs()),
    );
  }

  @Get('merchants')
  merchants(
    @Query() query: Form,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const filter = { q: query.q, provider: query.provider, active: query.active };
    return this.page(request, reply, async (session) =>
      renderMerchants(
        session,
        await this.admin.merchantAccounts(filter),
        filter,
        this.registry.names(),
        flash(query),
      ),
    );
  }

  @Post('merchants/:id/active')
  setActive(
    @Param('id') id: string,
    @Body() form: Form,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> | string {
    return this.act(request, reply, form, async () => {
      const active = form.active === 'true';
      if (UUID.test(id)) await this.admin.setMerchantActive(id, active);
      return `/admin/merchants?flash=${active ? 'activated' : 'deactivated'}`;
    });
  }

  @Get('invoices')
  invoices(
    @Query() query: Form,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.page(request, reply, async (session) =>
      renderInvoices(
        session,
        await this.admin.invoices(query.q, query.status || undefined),
        query.q ?? '',
        query.status ?? '',
      ),
    );
  }

  @Get('invoices/:id')
  invoice(
    @Param('id') id: string,
    @Query() query: Form,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.page(request, reply, async (session) => {
      const dossier = UUID.test(id) ? await this.admin.invoiceDossier(id) : null;
      if (!dossier) {
        void reply.status(404);
        return htmlPage({
          title: 'Not found',
          lang: 'en',
          body: '<div class="card"><h1>Invoice not found</h1><p><a href="/admin/invoices">Invoices</a></p></div>',
        });
      }
      return renderInvoice(session, dossier, flash(query));
    });
  }

  @Get('stuck')
  stuck(
    @Query() query: Form,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.page(request, reply, async (session) =>
      renderStuck(session, await this.webhooks.stuck(), flash(query)),
    );
  }

  @Post('webhooks/:id/retry')
  retry(
    @Param('id') id: string,
    @Body() form: Form,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> | string {
    return this.act(request, reply, form, async () => {
      const back = safeNext(form.back, '/admin/stuck');
      let outcome = 'retry-refused';
      if (UUID.test(id)) {
        try {
          outcome =
            (await this.webhooks.retry(id)).status === 'delivered' ? 'delivered' : 'undelivered';
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
        }
      }
      return `${back}?flash=${outcome}`;
    });
  }

  @Get('reconciliation')
  runs(
    @Query() query: Form,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.page(request, reply, async (session) =>
      renderReconciliation(session, (await this.reconciliation.listRuns({})).items, flash(query)),
    );
  }

  @Post('reconciliation/run')
  run(
    @Body() form: Form,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> | string {
    return this.act(request, reply, form, async () => {
      const run = await this.reconciliation.run('api');
      return `/admin/reconciliation?flash=${run ? 'ran' : 'busy'}`;
    });
  }

  /** A page: with a session, rendered; without, a redirect to the login that comes back here. */
  private async page(
    request: FastifyRequest,
    reply: FastifyReply,
    render: (session: AdminSession) => Promise<string>,
  ): Promise<string> {
    if (!this.auth.enabled) return this.disabled(reply);
    const session = this.auth.session(request);
    if (!session) return redirect(reply, `/admin/login?next=${encodeURIComponent(request.url)}`);
    html(reply);
    void reply.header('cache-control', 'no-store');
    return render(session);
  }

  /** A form post: session and CSRF token checked, then `work`, then a redirect (POST/redirect/GET). */
  private act(
    request: FastifyRequest,
    reply: FastifyReply,
    form: Form,
    work: () => Promise<string>,
  ): Promise<string> | string {
    if (!this.auth.enabled) return this.disabled(reply);
    const session = this.auth.session(request);
    if (!session) return redirect(reply, '/admin/login');
    if (!this.auth.checkCsrf(session, form?._csrf)) {
      html(reply);
      void reply.status(403);
      return htmlPage({
        title: 'Forbidden',
        lang: 'en',
        body: `<div class="card"><h1>Forbidden</h1><p>${escapeHtml('The form was not sent from this admin (CSRF check failed).')}</p></div>`,
      });
    }
    return work().then((location) => redirect(reply, location));
  }

  private disabled(reply: FastifyReply): string {
    html(reply);
    void reply.status(404);
    return renderAdminDisabled();
  }
}

function html(reply: FastifyReply): void {
  void reply.header('content-type', 'text/html; charset=utf-8');
}

function redirect(reply: FastifyReply, location: string): string {
  void reply.status(303).header('location', location);
  return '';
}

/** Only a path of the admin itself (never another site) is a place to go back to. */
function safeNext(next: string | undefined, fallback = '/admin'): string {
  return next && /^\/admin(\/[\w\-/]*)?(\?[\w\-=&%.]*)?$/.test(next) ? next : fallback;
}

function flash(query: Form): string | null {
  return query.flash ? (FLASH[query.flash] ?? null) : null;
}
