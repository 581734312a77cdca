import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AdminAuth } from './admin-auth.service';
import { safeNext } from './admin-pages.service';
import { renderAdminDisabled, renderLogin } from './admin.pages';
import {
  AdminDisabled,
  AdminPageNotFound,
  AdminRefusal,
  AdminSessionMissing,
  CsrfTokenRejected,
  LoginRefused,
} from './admin-refusals';
import { escapeHtml, htmlPage } from '../common/http/html';

/** The admin's refusals as a browser expects them: a redirect or an HTML page. */
@Catch(AdminRefusal)
@Injectable()
export class AdminRefusalFilter implements ExceptionFilter<AdminRefusal> {
  constructor(private readonly auth: AdminAuth) {}

  catch(refusal: AdminRefusal, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (reply.sent) return;
    if (refusal instanceof AdminSessionMissing) {
      void reply.status(303).header('location', refusal.location).send('');
      return;
    }
    const [status, page] = this.page(refusal, request, reply);
    void reply.status(status).header('content-type', 'text/html; charset=utf-8').send(page);
  }

  private page(
    refusal: AdminRefusal,
    request: FastifyRequest,
    reply: FastifyReply,
  ): [number, string] {
    if (refusal instanceof LoginRefused) {
      const next = (request.body as Record<string, string | undefined> | null | undefined)?.next;
      return [
        refusal.status,
        renderLogin(this.auth.loginToken(request, reply), safeNext(next), refusal.reason),
      ];
    }
    if (refusal instanceof CsrfTokenRejected) {
      return [
        403,
        htmlPage({
          title: 'Forbidden',
          lang: 'en',
          body: `<div class="card"><h1>Forbidden</h1><p>${escapeHtml('The form was not sent from this admin (CSRF check failed).')}</p></div>`,
        }),
      ];
    }
    if (refusal instanceof AdminPageNotFound) {
      return [
        404,
        htmlPage({
          title: 'Not found',
          lang: 'en',
          body: '<div class="card"><h1>Invoice not found</h1><p><a href="/admin/invoices">Invoices</a></p></div>',
        }),
      ];
    }
    if (refusal instanceof AdminDisabled) return [404, renderAdminDisabled()];
    throw refusal;
  }
}
