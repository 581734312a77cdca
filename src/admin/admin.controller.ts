import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Query,
  Redirect,
  Req,
  Res,
  UseFilters,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';

import {
  AdminLoginPage,
  CurrentAdminSession,
  RequiresLoginFormToken,
} from './admin-access.decorators';
import { AdminAuth, AdminSession } from './admin-auth.service';
import { AdminPages, Form, safeNext } from './admin-pages.service';
import { AdminRefusalFilter } from './admin-refusal.filter';
import { AdminSessionGuard } from './admin-session.guard';
import { renderLogin } from './admin.pages';
import { CsrfGuard } from './csrf.guard';
import { Public } from '../common/auth/route-access.decorators';

const ADMIN_LOGIN_ATTEMPTS_PER_MINUTE = 10;

/** Answers an HTML page. */
const HtmlPage = () => Header('content-type', 'text/html; charset=utf-8');
/** Answers an HTML page of staff data, which no cache may keep. */
const StaffHtmlPage = () => applyDecorators(HtmlPage(), Header('cache-control', 'no-store'));
/** Answers 303 to the URL the handler returns (POST/redirect/GET). */
const RedirectAfterPost = () => Redirect('/admin', 303);

/**
 * Staff pages under /admin, behind ADMIN_PASSWORD (no API key: the key never reaches a browser).
 * Every route needs a session (AdminSessionGuard, otherwise a redirect to the login) and every
 * form post its session's CSRF token (CsrfGuard), except the login page and form, which say so;
 * AdminRefusalFilter answers their refusals as pages. Data comes from AdminPages.
 */
@ApiExcludeController()
@Public()
@UseGuards(AdminSessionGuard, CsrfGuard)
@UseFilters(AdminRefusalFilter)
@Controller('admin')
export class AdminController {
  constructor(
    private readonly auth: AdminAuth,
    private readonly pages: AdminPages,
  ) {}

  @Get('login')
  @AdminLoginPage()
  @HtmlPage()
  login(
    @Query('next') next: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    return renderLogin(this.auth.loginToken(request, reply), safeNext(next), null);
  }

  /** Password guessing is slowed to ADMIN_LOGIN_ATTEMPTS_PER_MINUTE per IP (then 429). */
  @Post('login')
  @Throttle({ default: { limit: ADMIN_LOGIN_ATTEMPTS_PER_MINUTE, ttl: 60_000 } })
  @RequiresLoginFormToken()
  @RedirectAfterPost()
  submitLogin(
    @Body() form: Form,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): { url: string } {
    this.auth.logIn(form?.password, reply);
    return { url: safeNext(form?.next) };
  }

  @Post('logout')
  @RedirectAfterPost()
  logout(@Res({ passthrough: true }) reply: FastifyReply): { url: string } {
    this.auth.endSession(reply);
    return { url: '/admin/login' };
  }

  @Get()
  @StaffHtmlPage()
  overview(@CurrentAdminSession() session: AdminSession): Promise<string> {
    return this.pages.overview(session);
  }

  @Get('merchants')
  @StaffHtmlPage()
  merchants(@CurrentAdminSession() session: AdminSession, @Query() query: Form): Promise<string> {
    return this.pages.merchants(session, query);
  }

  @Post('merchants/:id/active')
  @RedirectAfterPost()
  async setActive(@Param('id') id: string, @Body() form: Form): Promise<{ url: string }> {
    return { url: await this.pages.setMerchantActive(id, form) };
  }

  @Get('invoices')
  @StaffHtmlPage()
  invoices(@CurrentAdminSession() session: AdminSession, @Query() query: Form): Promise<string> {
    return this.pages.invoices(session, query);
  }

  @Get('invoices/:id')
  @StaffHtmlPage()
  invoice(
    @CurrentAdminSession() session: AdminSession,
    @Param('id') id: string,
    @Query() query: Form,
  ): Promise<string> {
    return this.pages.invoice(session, id, query);
  }

  @Get('stuck')
  @StaffHtmlPage()
  stuck(@CurrentAdminSession() session: AdminSession, @Query() query: Form): Promise<string> {
    return this.pages.stuck(session, query);
  }

  @Post('webhooks/:id/retry')
  @RedirectAfterPost()
  async retry(@Param('id') id: string, @Body() form: Form): Promise<{ url: string }> {
    return { url: await this.pages.retryWebhook(id, form) };
  }

  @Get('reconciliation')
  @StaffHtmlPage()
  runs(@CurrentAdminSession() session: AdminSession, @Query() query: Form): Promise<string> {
    return this.pages.reconciliationRuns(session, query);
  }

  @Get('payouts')
  @StaffHtmlPage()
  payouts(@CurrentAdminSession() session: AdminSession, @Query() query: Form): Promise<string> {
    return this.pages.payouts(session, query);
  }

  @Get('payouts/:id')
  @StaffHtmlPage()
  payout(
    @CurrentAdminSession() session: AdminSession,
    @Param('id') id: string,
    @Query() query: Form,
  ): Promise<string> {
    return this.pages.payout(session, id, query);
  }

  @Post('payouts/:id/approve')
  @RedirectAfterPost()
  async approvePayout(@Param('id') id: string, @Body() form: Form): Promise<{ url: string }> {
    return { url: await this.pages.decidePayout(id, 'approve', form ?? {}) };
  }

  @Post('payouts/:id/reject')
  @RedirectAfterPost()
  async rejectPayout(@Param('id') id: string, @Body() form: Form): Promise<{ url: string }> {
    return { url: await this.pages.decidePayout(id, 'reject', form ?? {}) };
  }

  @Get('api-keys')
  @StaffHtmlPage()
  apiKeys(@CurrentAdminSession() session: AdminSession, @Query() query: Form): Promise<string> {
    return this.pages.apiKeysPage(session, query);
  }

  /** Answers the page itself (not a redirect) when created: it shows the secret, once. */
  @Post('api-keys')
  @HttpCode(200)
  @StaffHtmlPage()
  async createApiKey(
    @CurrentAdminSession() session: AdminSession,
    @Body() form: Form,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const page = await this.pages.createApiKey(session, form ?? {});
    if (page === null)
      void reply.status(303).header('location', '/admin/api-keys?flash=key-refused');
    return page ?? '';
  }

  @Post('api-keys/:id/revoke')
  @RedirectAfterPost()
  async revokeApiKey(@Param('id') id: string): Promise<{ url: string }> {
    return { url: await this.pages.revokeApiKey(id) };
  }

  @Post('reconciliation/run')
  @RedirectAfterPost()
  async run(): Promise<{ url: string }> {
    return { url: await this.pages.runReconciliation() };
  }
}
