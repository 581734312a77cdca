import { randomUUID } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import { DomainError } from '../../../../common/errors/domain.error';
import { toMajorUnitString } from '../../../../common/money/money';
import { APP_CONFIG, AppConfig } from '../../../../config/app-config';
import { Invoice } from '../../../../invoices/invoice.entity';
import { InvoicesService } from '../../../../invoices/invoices.service';
import {
  EmulatorOutcome,
  renderEmulatorCheckout,
  renderEmulatorResult,
} from '../../../../sandbox/sandbox-pages';
import { SandboxSupport } from '../../../../sandbox/sandbox-support';

/**
 * The Uzum Bank app, emulated: the buyer enters the order number of the merchant's service and
 * pays; the "app" calls the merchant's webhooks over HTTP with Basic auth: /check, /create,
 * /confirm (uzum.md §1.2).
 */
@Injectable()
export class UzumEmulator {
  constructor(
    private readonly sandbox: SandboxSupport,
    private readonly invoices: InvoicesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async page(order: string | undefined): Promise<{ status: number; html: string }> {
    const invoice = await this.invoice(order);
    if (!invoice)
      return {
        status: 404,
        html: renderEmulatorResult('Uzum Bank', false, 'No Uzum order with this number', null),
      };
    if (!(await this.sandbox.accountById(invoice.merchantAccountId))) return notSandbox();
    return {
      status: 200,
      html: renderEmulatorCheckout({
        provider: 'Uzum Bank',
        title: 'Uzum Bank app: pay for a service',
        amountLabel: `${toMajorUnitString(invoice.amount, invoice.currency)} UZS`,
        lines: [['Order number', invoice.id]],
        actions: [{ label: 'Pay', action: '/sandbox/uzum/app/pay' }],
        fields: { order: invoice.id },
      }),
    };
  }

  async pay(order: string | undefined): Promise<EmulatorOutcome> {
    const invoice = await this.invoice(order);
    if (!invoice)
      return {
        status: 404,
        html: renderEmulatorResult('Uzum Bank', false, 'No Uzum order with this number', null),
      };
    // The app knows the merchant service the buyer picked; here, the invoice's account.
    const merchant = await this.sandbox.accountById(invoice.merchantAccountId);
    if (!merchant) return notSandbox();
    const base = `${this.config.publicUrl}/api/callbacks/uzum/${merchant.account.id}`;
    const auth = `Basic ${Buffer.from(`${merchant.credentials.login}:${merchant.credentials.password}`).toString('base64')}`;
    const serviceId = Number(merchant.credentials.serviceId);
    const call = (action: string, body: Record<string, unknown>) =>
      this.sandbox.post(
        `${base}/${action}`,
        JSON.stringify({ serviceId, timestamp: Date.now(), ...body }),
        {
          'content-type': 'application/json',
          authorization: auth,
        },
      );
    const refused = (step: string, body: Record<string, unknown> | null) =>
      this.finish(
        false,
        `/${step}: ${typeof body?.errorCode === 'string' ? body.errorCode : 'no answer'}`,
        invoice.returnUrl,
      );
    const params = { order_id: invoice.id };
    const check = await call('check', { params });
    if (check.status !== 200) return refused('check', check.body);
    const transId = randomUUID();
    const created = await call('create', { transId, params, amount: invoice.amount });
    if (created.status !== 200) return refused('create', created.body);
    const confirmed = await call('confirm', {
      transId,
      paymentSource: 'CARD',
      cardType: 'uzcard',
      phone: '998901234567',
    });
    if (confirmed.status !== 200) return refused('confirm', confirmed.body);
    return this.finish(true, 'Paid', invoice.returnUrl);
  }

  private finish(accepted: boolean, message: string, returnUrl: string | null): EmulatorOutcome {
    if (accepted && returnUrl) return { redirect: returnUrl };
    return { status: 200, html: renderEmulatorResult('Uzum Bank', accepted, message, returnUrl) };
  }

  private async invoice(order: string | undefined): Promise<Invoice | null> {
    if (!order || !/^[0-9a-f-]{36}$/i.test(order)) return null;
    // Only an unknown order is "not found"; any other failure is the error page's.
    const invoice = await this.invoices.findById(order).catch((error: unknown) => {
      if (error instanceof DomainError) return null;
      throw error;
    });
    return invoice && invoice.provider === 'uzum' ? invoice : null;
  }
}

/** The order's merchant account was not registered in sandbox mode: the emulator does not act. */
function notSandbox(): { status: number; html: string } {
  return {
    status: 404,
    html: renderEmulatorResult(
      'Uzum Bank',
      false,
      'The merchant of this order is not registered in sandbox mode',
      null,
    ),
  };
}
