import { randomUUID } from 'node:crypto';

import { press } from '../support/browser-http';
import { TestApp, send, startTestApp } from '../support/test-app';
import { merchantBody } from '../factories/merchant.factory';
import { ofdFor } from '../factories/invoice.factory';

describe('Checkout sessions over HTTP (the API and the cashier form)', () => {
  let t: TestApp;

  const create = async (overrides: Record<string, unknown> = {}) =>
    t.request('/api/checkout-sessions', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: 'biz_42',
        sourceInvoiceId: `order_${randomUUID()}`,
        amount: 120_000,
        notifyUrl: 'https://shop.example/hook',
        returnUrl: 'https://shop.example/orders/1',
        ...overrides,
      },
    });
  const pick = (sessionId: string, provider: string) =>
    send(t.baseUrl, `/checkout/${sessionId}/pay`, {
      method: 'POST',
      headers: { 'x-api-key': '', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ provider }).toString(),
      redirect: 'manual',
    });

  beforeAll(async () => {
    t = await startTestApp();
    for (const provider of ['click', 'payme'])
      await t.request('/api/merchants', { method: 'POST', json: merchantBody({ provider }) });
  });
  afterAll(() => t.close());

  it('creates a session (201) with its cashier URL and the business providers; GET returns it', async () => {
    const res = await create();
    expect(res.status).toBe(201);
    const session = res.body.data;
    expect(session).toMatchObject({
      status: 'open',
      amount: 120_000,
      currency: 'UZS',
      checkoutUrl: `${t.baseUrl}/checkout/${session.id}`,
      invoiceId: null,
    });
    // No ofd: Multicard (which needs receipt lines) is not offered; it is not registered here anyway.
    expect(session.providers.map((p: { provider: string }) => p.provider)).toEqual([
      'click',
      'payme',
    ]);
    expect((await t.request(`/api/checkout-sessions/${session.id}`)).body.data).toEqual(session);
  });

  it('offers a provider that requires receipt lines only to a session that has them', async () => {
    const businessId = `biz_receipts_${randomUUID()}`;
    for (const provider of ['multicard', 'click'])
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider, businessId }),
      });
    const offered = async (overrides: Record<string, unknown>) =>
      ((await create({ businessId, ...overrides })).body.data.providers as { provider: string }[])
        .map((p) => p.provider)
        .sort();
    expect(await offered({})).toEqual(['click']);
    expect(await offered({ ofd: ofdFor(120_000) })).toEqual(['click', 'multicard']);
  });

  it('refuses bad input with a clear 400 and unknown ids with 404', async () => {
    const missing = await create({ notifyUrl: undefined });
    expect(missing.status).toBe(400);
    expect(missing.body.data.details.join(' ')).toContain('notifyUrl');
    expect((await create({ amount: 99 })).status).toBe(400);
    expect((await create({ provider: 'click' })).status).toBe(400); // no provider here: the buyer picks
    expect((await t.request('/api/checkout-sessions/not-a-uuid')).status).toBe(400);
    expect((await t.request(`/api/checkout-sessions/${randomUUID()}`)).status).toBe(404);
    expect((await send(t.baseUrl, `/checkout/${randomUUID()}`)).status).toBe(404);
  });

  it('a provider the session does not offer is refused on the page, nothing created', async () => {
    const session = (await create()).body.data;
    const res = await pick(session.id, 'uzum');
    expect(res.status).toBe(409);
    // The buyer reads what it means for them (the reason itself is only logged).
    expect(res.text).toContain('data-testid="error"');
    expect(res.text).not.toContain('uzum is not offered for this order');
    expect(
      (await t.request(`/api/checkout-sessions/${session.id}`)).body.data.invoiceId,
    ).toBeNull();
  });

  it('the buyer picks Click, goes back, picks Payme, then pays the Click invoice after all: the session is paid by Click', async () => {
    const session = (await create()).body.data;
    const click = await pick(session.id, 'click');
    expect(click.status).toBe(303);
    const clickUrl = click.headers.get('location') as string;
    const payme = await pick(session.id, 'payme');
    expect(payme.status).toBe(303);
    expect((await t.request(`/api/checkout-sessions/${session.id}`)).body.data.provider).toBe(
      'payme',
    );

    expect((await press(t.baseUrl, clickUrl, 'Pay')).status).toBe(303);
    const state = await send(t.baseUrl, `/checkout/${session.id}/status`);
    expect(state.headers.get('access-control-allow-origin')).toBe('*');
    expect(state.body).toMatchObject({ status: 'paid', provider: 'click', invoiceStatus: 'paid' });
    // The order is paid: the page offers nothing more and a late pick is refused.
    expect((await pick(session.id, 'payme')).status).toBe(409);
  });
});
