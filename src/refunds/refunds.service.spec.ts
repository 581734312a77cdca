import { STAFF } from '../common/auth/caller';
import { Registry } from 'prom-client';

import { RefundStatus } from './refund.entity';
import {
  RefundsService,
  assertRefundable,
  assertSameRefundRequest,
  definiteRefundFailure,
  refundAmount,
  refundBalance,
  refundRequestHash,
  refundVerdict,
} from './refunds.service';
import { CreateRefundDto } from './dto/create-refund.dto';
import { PaymentLookup, PaymentProvider } from '../billing/payment-provider.interface';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { ProviderError } from '../billing/provider.error';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { Metrics } from '../metrics/metrics';
import { AppConfig } from '../config/app-config';
import { InvoiceStatus } from '../invoices/invoice-status.enum';
import { InvoiceTransitions } from '../invoices/invoice-transitions.service';
import { Invoice } from '../invoices/invoice.entity';
import { InvoicesService } from '../invoices/invoices.service';
import { MerchantsService } from '../merchants/merchants.service';
import { DataSource } from 'typeorm';

/** Runs `act` and returns the DomainError it threw (failing when it threw nothing else). */
function domainErrorOf(act: () => unknown): DomainError {
  try {
    act();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

async function rejectionOf(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

const paidDetails = { providerRef: 'p', cardPan: null, paymentSystem: null, receiptUrl: null };
const paid = (refundedAmount: number | null): PaymentLookup => ({
  state: 'paid',
  refundedAmount,
  paid: paidDetails,
});

describe('refundVerdict: what the provider says of a refund left pending', () => {
  const invoice = { refundedAmount: 300, amount: 1000 };
  const refund = { amount: 200 };

  it.each([
    ['the provider refunded our total plus this refund', paid(500), RefundStatus.Succeeded],
    ['the provider refunded more than that', paid(1000), RefundStatus.Succeeded],
    ['the provider shows only what we had recorded', paid(300), RefundStatus.Failed],
    ['the provider shows less than we had recorded', paid(0), RefundStatus.Failed],
    ['the provider shows part of this refund', paid(400), 'unknown'],
    ['no refunded total, a partial refund: cannot tell', paid(null), 'unknown'],
    [
      'the provider reports the payment refunded',
      { state: 'refunded', paid: paidDetails },
      RefundStatus.Succeeded,
    ],
    ['the provider cannot find the payment', { state: 'not_found' }, 'unknown'],
    ['the provider reports it unpaid', { state: 'unpaid' }, 'unknown'],
  ] as [string, PaymentLookup, RefundStatus | 'unknown'][])('%s', (_, lookup, expected) => {
    expect(refundVerdict(lookup, invoice, refund)).toBe(expected);
  });

  it('no refunded total, the refund of everything left: the payment still paid means it did not happen', () => {
    expect(refundVerdict(paid(null), { refundedAmount: 0, amount: 1000 }, { amount: 1000 })).toBe(
      RefundStatus.Failed,
    );
  });
});

describe('assertRefundable: only a paid invoice takes a refund', () => {
  it.each(Object.values(InvoiceStatus))('%s', (status) => {
    const invoice = { id: 'inv-1', status };
    if (status === InvoiceStatus.Paid) {
      expect(() => assertRefundable(invoice)).not.toThrow();
      return;
    }
    const error = domainErrorOf(() => assertRefundable(invoice));
    expect(error.code).toBe(ErrorCode.InvoiceNotRefundable);
    expect(error.details).toEqual([
      status === InvoiceStatus.Refunded
        ? 'invoice inv-1 is already fully refunded'
        : status === InvoiceStatus.Authorized
          ? 'invoice inv-1 is authorized: its money is held, not taken; release it with POST /api/invoices/inv-1/void (or capture it first)'
          : `invoice inv-1 is ${status}; only a paid invoice can be refunded`,
    ]);
  });
});

describe('refundAmount: the amount a refund takes', () => {
  const invoice = { amount: 10_000, refundedAmount: 2_500, currency: 'UZS' as const };

  it('is everything not yet refunded when no amount is asked for', () => {
    expect(refundAmount(invoice, undefined)).toBe(7_500);
  });

  it.each([1, 100, 7_499, 7_500])('is the amount asked for when it fits (%i)', (amount) => {
    expect(refundAmount(invoice, amount)).toBe(amount);
  });

  it('refuses one tiyin more than what is left, saying what is left', () => {
    const error = domainErrorOf(() => refundAmount(invoice, 7_501));
    expect(error.code).toBe(ErrorCode.RefundExceedsBalance);
    expect(error.details).toEqual(['amount 7501 exceeds the refundable balance of 7500 tiyin']);
    expect(error.extra).toEqual({ remainingAmount: 7_500 });
  });

  it('of a captured hold, is limited to what the capture took', () => {
    const captured = {
      amount: 10_000,
      capturedAmount: 6_000,
      refundedAmount: 1_000,
      currency: 'UZS' as const,
    };
    expect(refundAmount(captured, undefined)).toBe(5_000);
    const error = domainErrorOf(() => refundAmount(captured, 5_001));
    expect(error.code).toBe(ErrorCode.RefundExceedsBalance);
    expect(error.extra).toEqual({ remainingAmount: 5_000 });
  });

  it('refuses any amount once everything is refunded', () => {
    expect(
      domainErrorOf(() => refundAmount({ amount: 500, refundedAmount: 500, currency: 'UZS' }, 1))
        .code,
    ).toBe(ErrorCode.RefundExceedsBalance);
  });
});

describe('refundBalance: paid, refunded and refundable of an invoice', () => {
  it.each([
    [
      InvoiceStatus.Paid,
      1_000,
      300,
      { paidAmount: 1_000, refundedAmount: 300, remainingAmount: 700 },
    ],
    [
      InvoiceStatus.Refunded,
      1_000,
      1_000,
      { paidAmount: 1_000, refundedAmount: 1_000, remainingAmount: 0 },
    ],
    [InvoiceStatus.Pending, 1_000, 0, { paidAmount: 0, refundedAmount: 0, remainingAmount: 0 }],
    [InvoiceStatus.Cancelled, 1_000, 0, { paidAmount: 0, refundedAmount: 0, remainingAmount: 0 }],
  ])('%s', (status, amount, refundedAmount, expected) => {
    expect(refundBalance({ status, amount, refundedAmount })).toEqual(expected);
  });

  it('of a captured hold: what the capture took is what was paid; an authorized one paid nothing', () => {
    expect(
      refundBalance({
        status: InvoiceStatus.Paid,
        amount: 1_000,
        capturedAmount: 600,
        refundedAmount: 100,
      }),
    ).toEqual({ paidAmount: 600, refundedAmount: 100, remainingAmount: 500 });
    expect(
      refundBalance({ status: InvoiceStatus.Authorized, amount: 1_000, refundedAmount: 0 }),
    ).toEqual({ paidAmount: 0, refundedAmount: 0, remainingAmount: 0 });
  });
});

describe('refund idempotency: what makes a retry the same request', () => {
  const dto = (extra: Partial<CreateRefundDto> = {}): CreateRefundDto =>
    Object.assign(new CreateRefundDto(), {
      invoiceId: '8f9e2f0a-1111-4222-8333-944455556666',
      amount: 1000,
      reason: 'Returned',
      ...extra,
    });

  it('ignores the key itself and the card number (never stored, not even hashed)', () => {
    expect(refundRequestHash(dto({ idempotencyKey: 'a', cardPan: '8600301234565959' }))).toBe(
      refundRequestHash(dto({ idempotencyKey: 'b' })),
    );
  });

  it.each([
    ['another amount', { amount: 999 }],
    ['no amount (everything left)', { amount: undefined }],
    ['another reason', { reason: 'Damaged' }],
    ['another invoice', { invoiceId: '8f9e2f0a-1111-4222-8333-000000000000' }],
    [
      'receipt lines',
      { ofd: [{ qty: 1, price: 1000, total: 1000, mxik: 'm', package_code: 'p', name: 'n' }] },
    ],
  ] as [string, Partial<CreateRefundDto>][])('tells %s apart', (_, change) => {
    expect(refundRequestHash(dto(change))).not.toBe(refundRequestHash(dto()));
  });

  it('returns the earlier refund for the same request and refuses another one under the key', () => {
    const earlier = { id: 'ref-1', requestHash: refundRequestHash(dto()) };
    expect(() => assertSameRefundRequest(earlier, dto({ idempotencyKey: 'k' }))).not.toThrow();
    const error = domainErrorOf(() => assertSameRefundRequest(earlier, dto({ amount: 5 })));
    expect(error.code).toBe(ErrorCode.IdempotencyKeyReused);
    expect(error.details[0]).toContain('refund ref-1');
  });
});

describe('definiteRefundFailure: only a refusal is a failure; anything else may have moved money', () => {
  it('a declined refund failed, with the provider code', () => {
    expect(
      definiteRefundFailure(new ProviderError('acme', 'declined', 'not enough funds', '-31007')),
    ).toEqual({ message: 'acme: not enough funds', providerCode: '-31007' });
  });

  it.each(['unavailable', 'timeout', 'bad_response'] as const)(
    'a %s provider leaves the refund pending',
    (reason) => {
      expect(definiteRefundFailure(new ProviderError('acme', reason, 'x'))).toBeNull();
    },
  );

  it('an unexpected error leaves the refund pending', () => {
    expect(definiteRefundFailure(new Error('socket hang up'))).toBeNull();
  });
});

describe('RefundsService.create: what is refused before anything is recorded', () => {
  const invoice = Object.assign(new Invoice(), {
    id: 'inv-1',
    provider: 'acme',
    status: InvoiceStatus.Paid,
    amount: 1000,
    refundedAmount: 0,
    merchantAccountId: 'acc-1',
  });
  const provider = (refund: PaymentProvider['refund']): PaymentProvider => ({
    name: 'acme',
    displayName: 'Acme Pay',
    credentialFields: [],
    capabilities: {
      refund: refund ? 'partial' : 'none',
      statusLookup: false,
      checkout: 'redirect',
      hold: false,
    },
    currencies: ['UZS'],
    callbackPaths: {},
    refund,
  });
  /** Nothing past the checks may be reached: the database and merchants fail the spec if used. */
  const service = (p: PaymentProvider) =>
    new RefundsService(
      {} as DataSource,
      { get: () => p } as unknown as PaymentProviderRegistry,
      {} as MerchantsService,
      {} as InvoiceTransitions,
      { findById: () => Promise.resolve(invoice) } as unknown as InvoicesService,
      new Clock(),
      {} as AppConfig,
      new Metrics(new Registry()),
    );
  const dto = (extra: Partial<CreateRefundDto> = {}) =>
    Object.assign(new CreateRefundDto(), { invoiceId: invoice.id, amount: 1000, ...extra });

  it('a provider whose refunds are made in its own cabinet: PROVIDER_CAPABILITY_UNSUPPORTED', async () => {
    const error = await rejectionOf(service(provider(undefined)).create(dto(), undefined, STAFF));
    expect(error.code).toBe(ErrorCode.ProviderCapabilityUnsupported);
    expect(error.details[0]).toContain("made in Acme Pay's merchant cabinet");
  });

  it('receipt lines whose total is not qty × price: VALIDATION_ERROR naming the line', async () => {
    const refund = () => Promise.resolve();
    const ofd = [
      { qty: 2, price: 500, total: 1000, mxik: 'm', package_code: 'p', name: 'ok' },
      { qty: 3, price: 100, total: 301, mxik: 'm', package_code: 'p', name: 'off' },
    ];
    const error = await rejectionOf(
      service(provider(refund)).create(dto({ ofd }), undefined, STAFF),
    );
    expect(error.code).toBe(ErrorCode.ValidationError);
    expect(error.details).toEqual(['ofd.1.total must equal qty × price (3 × 100 = 300)']);
  });
});
