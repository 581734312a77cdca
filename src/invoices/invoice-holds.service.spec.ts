import { InvoiceStatus } from './invoice-status.enum';
import { assertHoldActionable, captureAmount, holdVerdict } from './invoice-holds.service';
import { PaymentLookup } from '../billing/payment-provider.interface';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';

function domainErrorOf(call: () => unknown): DomainError {
  try {
    call();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

const paid = { providerRef: 'p-1', cardPan: null, paymentSystem: null, receiptUrl: null };

describe('assertHoldActionable: only an authorized invoice with nothing in progress', () => {
  it.each(Object.values(InvoiceStatus))('%s', (status) => {
    const invoice = { id: 'inv-1', status, holdAction: null };
    if (status === InvoiceStatus.Authorized) {
      expect(() => assertHoldActionable(invoice, 'capture')).not.toThrow();
      return;
    }
    const error = domainErrorOf(() => assertHoldActionable(invoice, 'void'));
    expect(error.code).toBe(ErrorCode.InvoiceNotAuthorized);
    expect(error.details).toEqual([
      `invoice inv-1 is ${status}; only an authorized invoice (money held) can be voided`,
    ]);
  });

  it.each(['capture', 'void'] as const)(
    'refuses anything while a %s awaits the provider',
    (kind) => {
      const invoice = { id: 'inv-1', status: InvoiceStatus.Authorized, holdAction: kind };
      const error = domainErrorOf(() => assertHoldActionable(invoice, 'capture'));
      expect(error.code).toBe(ErrorCode.HoldActionInProgress);
      expect(error.details[0]).toContain(`a ${kind} of invoice inv-1 is in progress`);
    },
  );
});

describe('captureAmount: what a capture takes of the hold', () => {
  const invoice = { amount: 10_000, heldAmount: 10_000 };

  it('is all that is held when no amount is asked for', () => {
    expect(captureAmount(invoice, undefined)).toBe(10_000);
  });

  it.each([1, 6_000, 10_000])('is the amount asked for when it fits (%i)', (amount) => {
    expect(captureAmount(invoice, amount)).toBe(amount);
  });

  it('refuses one minor unit more than held, saying what is held', () => {
    const error = domainErrorOf(() => captureAmount(invoice, 10_001));
    expect(error.code).toBe(ErrorCode.CaptureExceedsHold);
    expect(error.extra).toEqual({ heldAmount: 10_000 });
  });

  it('a hold of less than the invoice amount bounds the capture', () => {
    expect(captureAmount({ amount: 10_000, heldAmount: 8_000 }, undefined)).toBe(8_000);
    expect(
      domainErrorOf(() => captureAmount({ amount: 10_000, heldAmount: 8_000 }, 9_000)).code,
    ).toBe(ErrorCode.CaptureExceedsHold);
  });
});

describe('holdVerdict: the provider read again after an unclear capture or void', () => {
  const capture = { action: 'capture' as const, amount: 6_000 };
  const voiding = { action: 'void' as const, amount: null };
  it.each([
    [
      'a capture, the provider reports what it captured',
      { state: 'paid', refundedAmount: 0, capturedAmount: 5_000, paid },
      capture,
      { outcome: 'captured', capturedAmount: 5_000 },
    ],
    [
      'a capture, paid without a captured amount: the amount we asked for',
      { state: 'paid', refundedAmount: 0, paid },
      capture,
      { outcome: 'captured', capturedAmount: 6_000 },
    ],
    [
      'a capture, still held: it did not happen',
      { state: 'authorized', heldAmount: 10_000, captureBefore: null, paid },
      capture,
      { outcome: 'not_done' },
    ],
    ['a capture, the hold released', { state: 'hold_released' }, capture, { outcome: 'released' }],
    ['a void, the hold released', { state: 'hold_released' }, voiding, { outcome: 'released' }],
    [
      'a void, still held',
      { state: 'authorized', heldAmount: 10_000, captureBefore: null, paid },
      voiding,
      { outcome: 'not_done' },
    ],
    [
      'a void answered by a capture: for a person',
      { state: 'paid', refundedAmount: 0, capturedAmount: 1, paid },
      voiding,
      { outcome: 'unknown' },
    ],
    ['not found', { state: 'not_found' }, capture, { outcome: 'unknown' }],
  ] as [string, PaymentLookup, typeof capture | typeof voiding, unknown][])(
    '%s',
    (_, lookup, pending, expected) => {
      expect(holdVerdict(lookup, pending)).toEqual(expected);
    },
  );
});
