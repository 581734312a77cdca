import {
  Body,
  Controller,
  Get,
  Logger,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { renderCashierPage } from './cashier.page';
import { CHECKOUT_JS } from './checkout-js';
import { CheckoutSessionsService } from './checkout-sessions.service';
import { CheckoutSessionState } from './dto/checkout-session.dto';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { htmlPage, escapeHtml } from '../common/http/html';
import { Public } from '../common/auth/route-access.decorators';
import { buyerMessage } from '../pages/buyer-error';
import { BuyerPageErrorFilter } from '../pages/buyer-page-error.filter';
import { pageLanguage, t } from '../pages/i18n';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What buyers and checkout.js reach without an API key: the cashier page, the choice of a
 * provider, the session's public status, and the script itself. The session id (a random UUID)
 * is the capability; nothing secret is shown.
 */
@ApiExcludeController()
@Public()
@Controller()
export class CashierController {
  private readonly logger = new Logger(CashierController.name);

  constructor(private readonly sessions: CheckoutSessionsService) {}

  @Get('checkout.js')
  script(@Res({ passthrough: true }) reply: FastifyReply): string {
    void reply
      .header('content-type', 'application/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .header('access-control-allow-origin', '*');
    return CHECKOUT_JS;
  }

  @Get('checkout/:id')
  @UseFilters(new BuyerPageErrorFilter())
  async page(
    @Param('id') id: string,
    @Query('lang') lang: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.render(request, reply, id, lang, null);
  }

  @Post('checkout/:id/pay')
  @UseFilters(new BuyerPageErrorFilter())
  async choose(
    @Param('id') id: string,
    @Body() form: Record<string, string | undefined>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (!UUID.test(id)) return this.render(request, reply, id, form?.lang, null);
    try {
      const { checkoutUrl } = await this.sessions.choose(id, String(form?.provider ?? ''));
      void reply.status(303).header('location', checkoutUrl);
      return '';
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // The buyer gets what it means for them; the details stay in the log.
      this.logger.warn(
        { requestId: request.id, sessionId: id, code: error.code, details: error.details },
        'Cashier pick refused',
      );
      return this.render(request, reply, id, form?.lang, error);
    }
  }

  @SkipThrottle()
  @Get('checkout/:id/status')
  async status(
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CheckoutSessionState | { status: 'not_found' }> {
    void reply.header('access-control-allow-origin', '*').header('cache-control', 'no-store');
    if (!UUID.test(id)) {
      void reply.status(404);
      return { status: 'not_found' };
    }
    try {
      return await this.sessions.state(id);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      void reply.status(404);
      return { status: 'not_found' };
    }
  }

  private async render(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    requestedLang: string | undefined,
    failure: DomainError | null,
  ): Promise<string> {
    void reply.header('content-type', 'text/html; charset=utf-8');
    const fallback = pageLanguage(requestedLang);
    // Only "no such session" is "not found"; any other failure is the error page's.
    const view = UUID.test(id)
      ? await this.sessions.view(id).catch((error: unknown) => {
          if (error instanceof DomainError && error.code === ErrorCode.CheckoutSessionNotFound)
            return null;
          throw error;
        })
      : null;
    if (!view) {
      void reply.status(404);
      return htmlPage({
        title: t('checkoutNotFound', fallback),
        lang: fallback,
        body: `<div class="card"><h1>${escapeHtml(t('checkoutNotFound', fallback))}</h1></div>`,
      });
    }
    const lang = pageLanguage(requestedLang, view.session.lang);
    if (failure) void reply.status(failure.code === ErrorCode.ProviderError ? 502 : 409);
    else if (view.status === 'expired') void reply.status(410);
    return renderCashierPage({
      session: view.session,
      status: view.status,
      choices: view.choices,
      lang,
      failure: failure ? { message: buyerMessage(failure), requestId: request.id } : null,
    });
  }
}
