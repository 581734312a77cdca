import { clickSignature } from '../../src/billing/providers/click/click.protocol';
import { multicardSuccessSign } from '../../src/billing/providers/multicard/multicard.protocol';
import { query } from '../support/database';
import { paymeAuth } from '../support/payme';
import { TestApp, TestResponse, send, startTestApp } from '../support/test-app';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const FAILURES_PER_MINUTE = 5;
const UNKNOWN_ACCOUNT = '00000000-0000-4000-8000-00000000beef';
/** A field big enough that the body is far over the 4 KB an unauthenticated call may keep. */
const BIG = 'x'.repeat(200_000);

let nextRequest = 0;
let nextClient = 0;
/** A fresh client address (behind the one trusted proxy), so each case has its own budget. */
const freshClient = (): string => `198.18.${Math.floor(++nextClient / 250)}.${nextClient % 250}`;

interface Sent {
  response: TestResponse;
  requestId: string;
}

/** POSTs to a callback URL as `client`, with its own request id to find the log row by. */
async function post(
  t: TestApp,
  path: string,
  client: string,
  init: { json?: unknown; form?: Record<string, string>; raw?: string; authorization?: string },
): Promise<Sent> {
  const requestId = `callback-log-${++nextRequest}`;
  const headers: Record<string, string> = {
    'x-api-key': '',
    'x-forwarded-for': client,
    'x-request-id': requestId,
  };
  if (init.authorization) headers.authorization = init.authorization;
  if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  if (init.raw !== undefined) headers['content-type'] = 'application/json';
  const response = await send(t.baseUrl, path, {
    method: 'POST',
    headers,
    ...(init.form
      ? { body: new URLSearchParams(init.form).toString() }
      : init.raw !== undefined
        ? { body: init.raw }
        : { json: init.json }),
  });
  return { response, requestId };
}

/** The stored request of a call and the size of its JSON in bytes (none when not recorded). */
async function logged(t: TestApp, requestId: string): Promise<{ size: number; request: any }[]> {
  return query<{ size: number; request: any }>(
    t.databaseUrl,
    'SELECT octet_length(request::text) AS size, request FROM callback_log WHERE request_id = $1',
    [requestId],
  );
}

describe('Callbacks cannot fill the disk', () => {
  let t: TestApp;
  const accounts: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({
      TRUST_PROXY: '1',
      CALLBACK_AUTH_FAILURES_PER_MINUTE: String(FAILURES_PER_MINUTE),
    });
    for (const provider of ['click', 'payme', 'uzum', 'multicard']) {
      const r = await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider }),
      });
      accounts[provider] = r.body.data.id;
    }
  });
  afterAll(() => t.close());

  const paymeCall = (client: string, key: string, account = accounts.payme, big = BIG) =>
    post(t, `/api/callbacks/payme/${account}`, client, {
      authorization: paymeAuth(key),
      json: {
        jsonrpc: '2.0',
        id: 42,
        method: 'CheckPerformTransaction',
        params: { amount: 100000, account: { order_id: UNKNOWN_ACCOUNT }, note: big },
      },
    });

  describe('an unauthenticated call is kept as an excerpt of at most 4 KB', () => {
    const cases: [string, () => Promise<Sent>, (r: TestResponse) => void][] = [
      [
        'click, wrong signature',
        () =>
          post(t, `/api/callbacks/click/${accounts.click}/prepare`, freshClient(), {
            form: {
              click_trans_id: '1',
              service_id: SANDBOX_CREDENTIALS.click.serviceId,
              click_paydoc_id: '2',
              merchant_trans_id: UNKNOWN_ACCOUNT,
              amount: '1000.00',
              action: '0',
              error: '0',
              error_note: BIG,
              sign_time: '2026-11-23 12:00:00',
              sign_string: '0'.repeat(32),
            },
          }),
        (r) => expect(r.body.error).toBe(-1),
      ],
      [
        'payme, wrong key',
        () => paymeCall(freshClient(), 'wrong-key'),
        (r) => expect(r.body.error.code).toBe(-32504),
      ],
      [
        'payme, unknown account',
        () => paymeCall(freshClient(), SANDBOX_CREDENTIALS.payme.key, UNKNOWN_ACCOUNT),
        (r) => expect(r.body.error.code).toBe(-32504),
      ],
      [
        'uzum, wrong password',
        () =>
          post(t, `/api/callbacks/uzum/${accounts.uzum}/check`, freshClient(), {
            authorization: `Basic ${Buffer.from('uzum-login:nope').toString('base64')}`,
            json: { serviceId: 498, timestamp: Date.now(), params: { order_id: BIG } },
          }),
        (r) => {
          expect(r.status).toBe(400);
          expect(r.body.errorCode).toBe('10001');
        },
      ],
      [
        'multicard, wrong signature',
        () =>
          post(t, `/api/callbacks/multicard/${accounts.multicard}`, freshClient(), {
            json: {
              store_id: SANDBOX_CREDENTIALS.multicard.storeId,
              amount: 100000,
              invoice_id: UNKNOWN_ACCOUNT,
              uuid: 'u-1',
              sign: '0'.repeat(32),
              note: BIG,
            },
          }),
        (r) => expect(r.body).toEqual({ success: false, message: 'Invalid signature' }),
      ],
      [
        'multicard status webhook, unknown account',
        () =>
          post(t, `/api/callbacks/multicard/${UNKNOWN_ACCOUNT}/status`, freshClient(), {
            json: { uuid: 'u-2', invoice_id: 'x', amount: 1, status: 'success', note: BIG },
          }),
        (r) => expect(r.status).toBe(400),
      ],
      [
        'payme, a body that is not even JSON',
        () =>
          post(t, `/api/callbacks/payme/${accounts.payme}`, freshClient(), {
            raw: `{"jsonrpc": "2.0", ${BIG}`,
          }),
        (r) => expect(r.body.error.code).toBe(-32700),
      ],
    ];

    it.each(cases)('%s', async (_name, sendCall, expectAnswer) => {
      const { response, requestId } = await sendCall();
      expectAnswer(response);
      const rows = await logged(t, requestId);
      expect(rows).toHaveLength(1);
      expect(rows[0].size).toBeLessThanOrEqual(4096);
      expect(rows[0].request).toEqual({
        excerpt: expect.any(String),
        bytes: expect.any(Number),
      });
      expect(rows[0].request.bytes).toBeGreaterThan(BIG.length);
      expect(rows[0].request.excerpt.length).toBeGreaterThan(1000);
    });

    it('still removes secrets from the excerpt, and keeps a small refused call whole', async () => {
      const { requestId } = await post(
        t,
        `/api/callbacks/multicard/${accounts.multicard}`,
        freshClient(),
        {
          json: {
            store_id: SANDBOX_CREDENTIALS.multicard.storeId,
            amount: 100000,
            invoice_id: UNKNOWN_ACCOUNT,
            uuid: 'u-3',
            sign: 'f'.repeat(32),
            card_token: 'tok-secret-value',
          },
        },
      );
      const [row] = await logged(t, requestId);
      expect(row.request).toMatchObject({ sign: '[removed]', card_token: '[removed]' });
      expect(JSON.stringify(row.request)).not.toContain('tok-secret-value');
      const big = await paymeCall(freshClient(), 'wrong-key', accounts.payme, `${BIG}`);
      const [excerpt] = await logged(t, big.requestId);
      expect(excerpt.request.excerpt).not.toContain('wrong-key');
    });
  });

  it('keeps an authenticated call whole, however large', async () => {
    const { response, requestId } = await paymeCall(freshClient(), SANDBOX_CREDENTIALS.payme.key);
    expect(response.body.error.code).toBe(-31050); // authenticated; the order is unknown
    const rows = await logged(t, requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0].size).toBeGreaterThan(BIG.length);
    expect(rows[0].request.params.note).toBe(BIG);
  });

  it('stops recording failed-auth calls from a client over its budget, answers them the same, and never limits the real provider', async () => {
    const attacker = freshClient();
    const answers: TestResponse[] = [];
    const ids: string[] = [];
    for (let i = 0; i < FAILURES_PER_MINUTE * 2; i++) {
      const { response, requestId } = await paymeCall(attacker, 'forged-key', accounts.payme, 'x');
      answers.push(response);
      ids.push(requestId);
    }
    // The protocol's answer, status and bytes, whether recorded or not.
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.text).toBe(answers[0].text);
    }
    expect(answers[0].body.error.code).toBe(-32504);
    const recorded = await Promise.all(ids.map(async (id) => (await logged(t, id)).length));
    expect(recorded).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);

    // The real provider calling from that same address is neither refused nor unrecorded.
    const inv = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'multicard', amount: 500000 }),
    });
    const signed = {
      store_id: SANDBOX_CREDENTIALS.multicard.storeId,
      amount: 500000,
      invoice_id: inv.body.data.id,
      uuid: `uuid-${inv.body.data.id}`,
      sign: multicardSuccessSign(
        SANDBOX_CREDENTIALS.multicard.storeId,
        inv.body.data.id,
        '500000',
        SANDBOX_CREDENTIALS.multicard.secret,
      ),
    };
    const paid = await post(t, `/api/callbacks/multicard/${accounts.multicard}`, attacker, {
      json: signed,
    });
    expect(paid.response.body).toEqual({ success: true });
    expect(await logged(t, paid.requestId)).toHaveLength(1);
    expect((await t.request(`/api/invoices/${inv.body.data.id}`)).body.data.status).toBe('paid');
    const click = await post(t, `/api/callbacks/click/${accounts.click}/prepare`, attacker, {
      form: signedClickPrepare(),
    });
    expect(click.response.body.error).toBe(-5); // authenticated: the order does not exist
    expect(await logged(t, click.requestId)).toHaveLength(1);

    // Another client is counted on its own.
    const other = await paymeCall(freshClient(), 'forged-key', accounts.payme, 'x');
    expect(await logged(t, other.requestId)).toHaveLength(1);
  });
});

function signedClickPrepare(): Record<string, string> {
  const form: Record<string, string> = {
    click_trans_id: '777001',
    service_id: SANDBOX_CREDENTIALS.click.serviceId,
    click_paydoc_id: '777002',
    merchant_trans_id: UNKNOWN_ACCOUNT,
    amount: '1000.00',
    action: '0',
    error: '0',
    error_note: 'Success',
    sign_time: '2026-11-23 12:00:00',
  };
  form.sign_string = clickSignature(
    { merchant_prepare_id: '', ...form } as never,
    SANDBOX_CREDENTIALS.click.secretKey,
  );
  return form;
}
