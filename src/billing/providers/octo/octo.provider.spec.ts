import type { Currency } from '../../../common/money/currency';
import { OctoClient } from './octo.client';
import { OctoProvider } from './octo.provider';
import { parseOctoReply } from './octo.transformers';
import { DomainError } from '../../../common/errors/domain.error';
import { AppConfig } from '../../../config/app-config';
import { CheckoutInvoice, PaymentReference, RefundOrder } from '../../payment-provider.interface';

const invoice: CheckoutInvoice = {
  id: 'inv',
  amount: 100_000,
  currency: 'UZS',
  lang: null,
  returnUrl: null,
  returnErrorUrl: null,
  ofd: null,
  expiresAt: new Date(Date.now() + 60_000),
  capture: 'automatic',
};

/** The strategy with a client that must not be called. */
function strategy(mode: 'live' | 'sandbox'): { octo: OctoProvider; calls: unknown[] } {
  const calls: unknown[] = [];
  const client = {
    call: (path: string, body: unknown) => {
      calls.push({ path, body });
      return Promise.reject(new Error('no network in this test'));
    },
  } as unknown as OctoClient;
  return { octo: new OctoProvider({ mode, publicUrl: 'https://gw' } as AppConfig, client), calls };
}

const ctx = (credentials: Record<string, string>) => ({
  merchantAccountId: 'acc',
  credentials,
  callbackUrls: { notify: 'https://gw/api/callbacks/octo/acc' },
});

/** The strategy with a client that answers every call with `reply`. */
function answering(reply: unknown): OctoProvider {
  const client = {
    call: () => Promise.resolve(parseOctoReply(reply)),
  } as unknown as OctoClient;
  return new OctoProvider({ mode: 'sandbox', publicUrl: 'https://gw' } as AppConfig, client);
}

describe('OctoProvider', () => {
  it('§11 case 21: in live mode a merchant without uniqueKey cannot create a payment (400 naming uniqueKey), before any call', async () => {
    const { octo, calls } = strategy('live');
    const refused = await octo
      .createCheckout(invoice, ctx({ shopId: '1', secret: 's' }))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe('VALIDATION_ERROR');
    expect((refused as DomainError).details.join(' ')).toContain('uniqueKey');
    expect(calls).toEqual([]);
  });

  it('in sandbox mode the same merchant reaches Octo (the emulator)', async () => {
    const { octo, calls } = strategy('sandbox');
    await octo.createCheckout(invoice, ctx({ shopId: '1', secret: 's' })).catch(() => null);
    expect(calls).toHaveLength(1);
  });

  const payment = (currency?: string): PaymentReference => ({
    invoiceId: 'inv',
    providerRef: 'u',
    paid: true,
    details: currency ? { currency } : {},
  });
  const order = (amount: number, currency: Currency = 'UZS'): RefundOrder => ({
    refundId: 'r',
    payment: payment(currency),
    amount,
    currency,
    paidAmount: 2_000_000_000,
    refundedBefore: 0,
    ofd: null,
    cardPan: null,
  });

  it("§11 case 18: refundProblems: at most 10 000 000 so'm per refund; at least 1 USD in USD", () => {
    const { octo } = strategy('sandbox');
    expect(octo.refundProblems(order(1_000_000_000))).toEqual([]);
    expect(octo.refundProblems(order(1_000_000_001))).toHaveLength(1);
    expect(octo.refundProblems(order(1_000_000_001, 'UZS'))).toHaveLength(1);
    expect(octo.refundProblems(order(99, 'USD'))).toEqual([
      'Octo refunds at least 1.00 USD (100 cents)',
    ]);
    expect(octo.refundProblems(order(100, 'USD'))).toEqual([]);
    expect(octo.refundProblems(order(1, 'UZS'))).toEqual([]);
  });

  it('refund recovery: a read of a paid payment without refunded_sum is unclear, never "nothing refunded"', async () => {
    const read = { error: 0, data: { octo_payment_UUID: 'u', status: 'succeeded' } };
    await expect(
      answering(read).lookupPayment(payment(), ctx({ shopId: '1', secret: 's' })),
    ).rejects.toMatchObject({ reason: 'bad_response' });
    // For an unpaid invoice (reconciliation) the same read is the payment.
    await expect(
      answering(read).lookupPayment(
        { ...payment(), paid: false },
        ctx({ shopId: '1', secret: 's' }),
      ),
    ).resolves.toMatchObject({ state: 'paid', refundedAmount: null });
    await expect(
      answering({ ...read, data: { ...read.data, refunded_sum: 50 } }).lookupPayment(
        payment(),
        ctx({ shopId: '1', secret: 's' }),
      ),
    ).resolves.toMatchObject({ state: 'paid', refundedAmount: 5000 });
  });

  it("a hold read without its amount (octo.md §5: the documented read has none) is authorized for the invoice's amount (null); with it, for that amount", async () => {
    const held = { error: 0, data: { octo_payment_UUID: 'u', status: 'waiting_for_capture' } };
    const reference = { ...payment(), paid: false };
    await expect(
      answering(held).lookupPayment(reference, ctx({ shopId: '1', secret: 's' })),
    ).resolves.toMatchObject({ state: 'authorized', heldAmount: null });
    await expect(
      answering({ ...held, data: { ...held.data, total_sum: 1500 } }).lookupPayment(
        reference,
        ctx({ shopId: '1', secret: 's' }),
      ),
    ).resolves.toMatchObject({ state: 'authorized', heldAmount: 150_000 });
  });

  it('a succeeded read of a held payment (a capture being recovered) needs no refunded sum; of a paid one it does', async () => {
    const succeeded = { error: 0, data: { octo_payment_UUID: 'u', status: 'succeeded' } };
    await expect(
      answering(succeeded).lookupPayment(
        { ...payment(), held: true },
        ctx({ shopId: '1', secret: 's' }),
      ),
    ).resolves.toMatchObject({ state: 'paid' });
    await expect(
      answering(succeeded).lookupPayment(payment(), ctx({ shopId: '1', secret: 's' })),
    ).rejects.toMatchObject({ reason: 'bad_response' });
  });
});
