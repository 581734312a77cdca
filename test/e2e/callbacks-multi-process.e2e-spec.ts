import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ClickCall, completeCall, postClick, prepareCall } from '../support/click';
import { countEvents, createTestDatabase, query } from '../support/database';
import { GatewayProcess, startGateway } from '../support/gateway-process';
import { paymeId, rpc } from '../support/payme';
import { TestApp } from '../support/test-app';
import { transId, uzumCall } from '../support/uzum';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const API_KEY = 'multi-process-api-key-0123456';

/** A running gateway process seen through the test helpers' TestApp shape (HTTP only). */
function asTestApp(gateway: GatewayProcess, databaseUrl: string): TestApp {
  const baseUrl = `http://127.0.0.1:${gateway.port}`;
  return { baseUrl, databaseUrl } as TestApp;
}

describe('Duplicate callbacks spread over two gateway processes on one database', () => {
  let one: GatewayProcess;
  let two: GatewayProcess;
  let databaseUrl: string;
  const accounts: Record<string, string> = {};

  const api = async (gateway: GatewayProcess, path: string, body: unknown) => {
    const r = await fetch(`http://127.0.0.1:${gateway.port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify(body),
    });
    return (await r.json()) as { data: { id: string } };
  };
  const events = (id: string) => countEvents(databaseUrl, id);
  const paidTransitions = async (id: string) =>
    (
      await query<{ status: string; version: number }>(
        databaseUrl,
        'SELECT status, version FROM invoices WHERE id = $1',
        [id],
      )
    )[0];

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    const cwd = mkdtempSync(join(tmpdir(), 'payment-service-multi-'));
    const env = {
      DATABASE_URL: databaseUrl,
      SERVICE_API_KEY: API_KEY,
      DATABASE_MIGRATE_ON_START: 'false',
      INVOICE_EXPIRY_SWEEP_SECONDS: '3600',
    };
    [one, two] = await Promise.all([startGateway(env, cwd), startGateway(env, cwd)]);
    for (const provider of ['click', 'payme', 'uzum']) {
      accounts[provider] = (await api(one, '/api/merchants', merchantBody({ provider }))).data.id;
    }
  });
  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
  });

  it('Click: 20 concurrent Completes over two processes → one paid transition, one event', async () => {
    const id = (await api(one, '/api/invoices', invoiceBody({ provider: 'click' }))).data.id;
    const call: ClickCall = prepareCall(id, '1000.00');
    const prepared = await postClick(
      asTestApp(one, databaseUrl),
      accounts.click,
      call,
      SANDBOX_CREDENTIALS.click.secretKey,
    );
    const complete = completeCall(call, String(prepared.body.merchant_prepare_id));
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postClick(
          asTestApp(i % 2 ? one : two, databaseUrl),
          accounts.click,
          complete,
          SANDBOX_CREDENTIALS.click.secretKey,
        ),
      ),
    );
    expect(answers.filter((a) => a.body.error === 0)).toHaveLength(1);
    expect(await events(id)).toBe(1);
    expect(await paidTransitions(id)).toEqual({ status: 'paid', version: 2 });
  });

  it('Payme: 20 concurrent PerformTransactions over two processes → one paid transition, one event, identical answers', async () => {
    const id = (await api(two, '/api/invoices', invoiceBody({ provider: 'payme', amount: 500000 })))
      .data.id;
    const txn = paymeId();
    await rpc(
      asTestApp(one, databaseUrl),
      accounts.payme,
      SANDBOX_CREDENTIALS.payme.key,
      'CreateTransaction',
      { id: txn, time: Date.now(), amount: 500000, account: { order_id: id } },
    );
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        rpc(
          asTestApp(i % 2 ? one : two, databaseUrl),
          accounts.payme,
          SANDBOX_CREDENTIALS.payme.key,
          'PerformTransaction',
          { id: txn },
          1,
        ),
      ),
    );
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(await events(id)).toBe(1);
    expect(await paidTransitions(id)).toEqual({ status: 'paid', version: 2 });
  });

  it('Uzum: 20 concurrent /confirm over two processes → one CONFIRMED, one event', async () => {
    const id = (await api(one, '/api/invoices', invoiceBody({ provider: 'uzum', amount: 500000 })))
      .data.id;
    const trans = transId();
    await uzumCall(asTestApp(two, databaseUrl), accounts.uzum, 'create', {
      transId: trans,
      params: { order_id: id },
      amount: 500000,
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        uzumCall(asTestApp(i % 2 ? one : two, databaseUrl), accounts.uzum, 'confirm', {
          transId: trans,
        }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(await events(id)).toBe(1);
    expect(await paidTransitions(id)).toEqual({ status: 'paid', version: 2 });
  });
});
