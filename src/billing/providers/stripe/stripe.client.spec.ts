import { asHoldRefusal } from './stripe.client';
import { ErrorCode } from '../../../common/errors/error-code';
import { ProviderError } from '../../provider.error';

describe('asHoldRefusal (§14 case 17: what a refused capture or void is for the app)', () => {
  const refused = (providerCode: string | null, reason: ProviderError['reason'] = 'declined') =>
    new ProviderError('stripe', reason, 'This PaymentIntent could not be captured', providerCode);

  it('a PaymentIntent no longer requires_capture → 409 INVOICE_NOT_AUTHORIZED, still a declined ProviderError', () => {
    const mapped = asHoldRefusal(refused('payment_intent_unexpected_state'));
    expect(mapped).toBeInstanceOf(ProviderError);
    expect(mapped).toMatchObject({
      code: ErrorCode.InvoiceNotAuthorized,
      reason: 'declined',
      providerCode: 'payment_intent_unexpected_state',
      details: ['stripe: This PaymentIntent could not be captured'],
    });
  });

  it('an amount Stripe refuses → 400 VALIDATION_ERROR, still declined', () => {
    expect(asHoldRefusal(refused('amount_too_large'))).toMatchObject({
      code: ErrorCode.ValidationError,
      reason: 'declined',
    });
  });

  it('other refusals and unclear answers stay as they are (502, or pending for the recovery job)', () => {
    const other = refused('card_declined');
    expect(asHoldRefusal(other)).toBe(other);
    const unclear = refused('payment_intent_unexpected_state', 'unavailable');
    expect(asHoldRefusal(unclear)).toBe(unclear);
    const plain = new Error('x');
    expect(asHoldRefusal(plain)).toBe(plain);
  });
});
