import { sessionCurrencyProblem } from './checkout-sessions.service';

describe('sessionCurrencyProblem: a session is in a currency one of the business providers takes', () => {
  const som = { currencies: ['UZS'] as const };
  const dollars = { currencies: ['UZS', 'USD'] as const };

  it('accepts a currency one provider takes', () => {
    expect(sessionCurrencyProblem([som, dollars], 'USD')).toBeNull();
    expect(sessionCurrencyProblem([som], 'UZS')).toBeNull();
  });

  it('refuses one none takes, naming every currency they do take, each once', () => {
    expect(sessionCurrencyProblem([som, dollars], 'EUR')).toBe(
      "currency EUR is not accepted by any of this business's providers; they take UZS, USD",
    );
  });

  it('leaves a business without an active provider to the cashier page (no way to pay yet)', () => {
    expect(sessionCurrencyProblem([], 'EUR')).toBeNull();
  });
});
