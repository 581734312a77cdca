import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { renderBuyerErrorPage } from './buyer-error';
import { PageLanguage, pageLanguage } from './i18n';
import { renderError } from '../common/errors/error-envelope';

/**
 * For the HTML routes a buyer opens (cashier, providers' own `/pay/:id` pages, sandbox checkouts): an error the page
 * did not handle becomes a generic page in the buyer's language with the request id to quote,
 * under the status the API would give it; the error itself goes to the log only. The API's
 * routes keep the JSON envelope of AllExceptionsFilter.
 */
@Catch()
export class BuyerPageErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('BuyerPage');

  /** `fallbackLang`: the page's language when the request names none (`lang` in query or form). */
  constructor(private readonly fallbackLang: PageLanguage = 'ru') {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { httpStatus, envelope } = renderError(error);
    this.logger.error(
      {
        err: error,
        code: envelope.message,
        requestId: request.id,
        method: request.method,
        url: request.url,
      },
      'Buyer page failed',
    );
    if (reply.sent) return;
    const lang = pageLanguage(
      (request.query as Record<string, string | undefined> | undefined)?.lang,
      (request.body as Record<string, string | undefined> | undefined)?.lang,
      this.fallbackLang,
    );
    void reply
      .status(httpStatus)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(renderBuyerErrorPage(request.id, lang));
  }
}
