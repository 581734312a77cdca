import { CreateInvoiceDto } from './dto/create-invoice.dto';
import { InvoiceStatus } from './invoice-status.enum';
import { OfdItem } from './invoice.entity';
import {
  assertCancellable,
  checkCurrency,
  checkoutDraft,
  isAbandonedCreating,
  isOverdueInvoice,
  ofdLineProblems,
  openInvoiceDecision,
  receiptProblems,
} from './invoices.service';
import type { PaymentProvider } from '../billing/payment-provider.interface';
import { providerCallGraceMs } from '../billing/provider-http';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { loadConfig } from '../config/load-config';

const config = loadConfig({ PROVIDER_TIMEOUT_MS: '10000' });
const NOW = new Date('2026-05-12T10:00:00Z');
const at = (msFromNow: number) => new Date(NOW.getTime() + msFromNow);

function line(qty: number, price: number, total = qty * price): OfdItem {
  return { qty, price, total, mxik: '06401004002000000', package_code: '1506113', name: 'Tea' };
}

function domainErrorOf(act: () => unknown): DomainError {
  try {
    act();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('receipt checks', () => {
  it('accepts lines that are each qty × price and add up to the amount', () => {
    expect(receiptProblems([line(2, 1500), line(1, 7000)], 10_000)).toEqual([]);
  });

  it('names every line whose total is not qty × price', () => {
    expect(ofdLineProblems([line(2, 1500, 3001), line(1, 7000), line(3, 10, 0)])).toEqual([
      'ofd.0.total must equal qty × price (2 × 1500 = 3000)',
      'ofd.2.total must equal qty × price (3 × 10 = 30)',
    ]);
  });

  it('refuses lines adding up to another amount, to the tiyin', () => {
    expect(receiptProblems([line(1, 9_999)], 10_000)).toEqual([
      'the ofd totals add up to 9999 tiyin, not the amount 10000',
    ]);
    expect(receiptProblems([line(1, 10_001)], 10_000)).toEqual([
      'the ofd totals add up to 10001 tiyin, not the amount 10000',
    ]);
  });

  it('reports a wrong line and a wrong sum together', () => {
    expect(receiptProblems([line(2, 100, 250)], 200)).toEqual([
      'ofd.0.total must equal qty × price (2 × 100 = 200)',
      'the ofd totals add up to 250 tiyin, not the amount 200',
    ]);
  });
});

describe('checkoutDraft: what the provider is asked to build', () => {
  const dto = (extra: Partial<CreateInvoiceDto> = {}) =>
    Object.assign(new CreateInvoiceDto(), { amount: 100_000, ...extra });

  it('defaults the currency to UZS, the optional fields to null, and expires after the TTL', () => {
    expect(checkoutDraft(dto(), 'inv-1', NOW, 1440)).toEqual({
      id: 'inv-1',
      amount: 100_000,
      currency: 'UZS',
      lang: null,
      returnUrl: null,
      returnErrorUrl: null,
      ofd: null,
      expiresAt: new Date('2026-05-13T10:00:00Z'),
      capture: 'automatic',
    });
  });

  it('keeps what the app sent', () => {
    const ofd = [line(1, 100_000)];
    expect(
      checkoutDraft(
        dto({
          currency: 'UZS',
          lang: 'uz',
          returnUrl: 'https://shop.example/ok',
          returnErrorUrl: 'https://shop.example/failed',
          ofd,
          capture: 'manual',
        }),
        'inv-2',
        NOW,
        15,
      ),
    ).toMatchObject({
      lang: 'uz',
      returnUrl: 'https://shop.example/ok',
      returnErrorUrl: 'https://shop.example/failed',
      ofd,
      capture: 'manual',
      expiresAt: new Date('2026-05-12T10:15:00Z'),
    });
  });
});

describe('overdue and abandoned invoices', () => {
  it('a pending invoice is overdue from its expiry on, not before', () => {
    expect(isOverdueInvoice({ status: InvoiceStatus.Pending, expiresAt: at(1) }, NOW)).toBe(false);
    expect(isOverdueInvoice({ status: InvoiceStatus.Pending, expiresAt: NOW }, NOW)).toBe(true);
    expect(isOverdueInvoice({ status: InvoiceStatus.Creating, expiresAt: at(-1) }, NOW)).toBe(
      false,
    );
  });

  it('a creating invoice is abandoned once older than any provider call can take', () => {
    const grace = providerCallGraceMs(config);
    const creating = (createdAt: Date) => ({ status: InvoiceStatus.Creating, createdAt });
    expect(isAbandonedCreating(creating(at(-grace + 1)), config, NOW)).toBe(false);
    expect(isAbandonedCreating(creating(at(-grace)), config, NOW)).toBe(true);
    expect(
      isAbandonedCreating(
        { status: InvoiceStatus.Pending, createdAt: at(-grace * 10) },
        config,
        NOW,
      ),
    ).toBe(false);
  });
});

describe('openInvoiceDecision: a create meeting the order open invoice with its provider', () => {
  const draft = { amount: 100_000, currency: 'UZS' as const, capture: 'automatic' as const };
  type Open = NonNullable<Parameters<typeof openInvoiceDecision>[0]>;
  const open = (extra: Partial<Open> = {}): Open => ({
    status: InvoiceStatus.Pending,
    amount: 100_000,
    currency: 'UZS',
    captureMode: 'automatic',
    expiresAt: at(60_000),
    createdAt: at(-1_000),
    ...extra,
  });

  it.each([
    ['none any more (closed meanwhile): insert again', null, 'insert-again'],
    ['same amount and currency: the open one is returned', open(), 'return-open'],
    ['another amount: INVOICE_CONFLICT', open({ amount: 99_999 }), 'conflict'],
    ['another capture mode: INVOICE_CONFLICT', open({ captureMode: 'manual' }), 'conflict'],
    ['overdue: closed, then insert again', open({ expiresAt: NOW }), 'close-stale'],
    [
      'overdue for another amount: closed rather than refused',
      open({ expiresAt: at(-1), amount: 1 }),
      'close-stale',
    ],
    [
      'still creating upstream, recently: returned (the create waits for its checkout)',
      open({ status: InvoiceStatus.Creating }),
      'return-open',
    ],
    [
      'creating and abandoned: closed, then insert again',
      open({ status: InvoiceStatus.Creating, createdAt: at(-providerCallGraceMs(config)) }),
      'close-stale',
    ],
  ] as const)('%s', (_, existing, expected) => {
    expect(openInvoiceDecision(existing, draft, config, NOW)).toBe(expected);
  });
});

describe('assertCancellable', () => {
  it.each(Object.values(InvoiceStatus))('%s', (status) => {
    const invoice = { id: 'inv-1', status, provider: 'acme' };
    if (status === InvoiceStatus.Pending || status === InvoiceStatus.Cancelled) {
      expect(() => assertCancellable(invoice)).not.toThrow();
    } else if (status === InvoiceStatus.Creating) {
      expect(domainErrorOf(() => assertCancellable(invoice)).code).toBe(
        ErrorCode.InvoiceCreationInProgress,
      );
    } else {
      const error = domainErrorOf(() => assertCancellable(invoice));
      expect(error.code).toBe(ErrorCode.InvoiceNotCancellable);
      expect(error.details).toEqual([`invoice inv-1 is ${status} and cannot be cancelled`]);
    }
  });
});

describe('checkCurrency: what the provider takes', () => {
  const provider = (extra: Partial<PaymentProvider> = {}): PaymentProvider => ({
    name: 'acme',
    displayName: 'Acme',
    credentialFields: [],
    capabilities: { refund: 'none', statusLookup: false, checkout: 'redirect', hold: false },
    currencies: ['UZS', 'USD'],
    callbackPaths: {},
    ...extra,
  });
  const dto = (extra: Partial<CreateInvoiceDto>) =>
    Object.assign(new CreateInvoiceDto(), { amount: 100_000, ...extra });
  const refusal = (call: () => void) => {
    try {
      call();
    } catch (error) {
      return error instanceof DomainError ? [error.code, error.details] : error;
    }
    return null;
  };

  it('takes the default UZS and any currency the provider lists', () => {
    expect(refusal(() => checkCurrency(dto({}), provider()))).toBeNull();
    expect(refusal(() => checkCurrency(dto({ currency: 'USD' }), provider()))).toBeNull();
  });

  it('refuses a currency the provider does not take, naming those it takes', () => {
    expect(refusal(() => checkCurrency(dto({ currency: 'EUR' }), provider()))).toEqual([
      ErrorCode.ValidationError,
      ['currency EUR is not accepted by acme; it takes UZS, USD'],
    ]);
  });

  it('refuses capture "manual" for a provider that cannot hold, naming it; takes it for one that can', () => {
    expect(refusal(() => checkCurrency(dto({ capture: 'manual' }), provider()))).toEqual([
      ErrorCode.ValidationError,
      [
        'capture "manual" is not available with acme: it cannot hold a payment; use capture "automatic"',
      ],
    ]);
    const holding = provider({
      capabilities: { refund: 'none', statusLookup: true, checkout: 'redirect', hold: true },
    });
    expect(refusal(() => checkCurrency(dto({ capture: 'manual' }), holding))).toBeNull();
    expect(refusal(() => checkCurrency(dto({ capture: 'automatic' }), provider()))).toBeNull();
  });

  it("hands the capture mode to the provider's own limits", () => {
    const seen: string[] = [];
    const holding = provider({
      capabilities: { refund: 'none', statusLookup: true, checkout: 'redirect', hold: true },
      invoiceProblems: ({ capture }) => (seen.push(capture), []),
    });
    checkCurrency(dto({ capture: 'manual' }), holding);
    checkCurrency(dto({}), holding);
    expect(seen).toEqual(['manual', 'automatic']);
  });

  it("refuses an amount over the provider's own limit with the provider's words", () => {
    const limited = provider({
      invoiceProblems: ({ amount }) => (amount > 99_999_999 ? ['amount exceeds 8 digits'] : []),
    });
    expect(refusal(() => checkCurrency(dto({ amount: 100_000_000 }), limited))).toEqual([
      ErrorCode.ValidationError,
      ['amount exceeds 8 digits'],
    ]);
    expect(refusal(() => checkCurrency(dto({ amount: 99_999_999 }), limited))).toBeNull();
  });
});
