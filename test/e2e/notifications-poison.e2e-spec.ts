import { createServer } from 'node:http';

import { Client } from 'pg';

import { Clock } from '../../src/common/clock';
import { WebhookDispatcher } from '../../src/notifications/webhook-dispatcher.service';
import { query } from '../support/database';
import { freePort } from '../setup/global-setup';
import { TestApp, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

/**
 * A receiver may answer anything: NUL bytes, invalid UTF-8, megabytes. Whatever it answers is
 * stored safely, and nothing about one event's outcome can hold back or re-send the others of
 * its batch.
 */
describe('The dispatcher cannot be poisoned by what a receiver answers (real HTTP, real PostgreSQL)', () => {
  let t: TestApp;
  let normal: Receiver;
  let hostile: RawReceiver;

  const cancelledInvoice = async (notifyUrl: string): Promise<string> => {
    const created = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'click', notifyUrl }),
    });
    const id = created.body.data.id as string;
    await t.request(`/api/invoices/${id}/cancel`, { method: 'POST' });
    return id;
  };
  const eventOf = async (invoiceId: string) =>
    (
      await query<{ id: string; status: string; attempts: number; last_error: string | null }>(
        t.databaseUrl,
        'SELECT id, status, attempts, last_error FROM webhook_events WHERE invoice_id = $1',
        [invoiceId],
      )
    )[0];
  /** Makes every event fail once (503), then lets them all fall due in one batch. */
  const batchOf = async (invoices: () => Promise<string[]>): Promise<string[]> => {
    normal.respond = () => Promise.resolve({ status: 503 });
    hostile.down = true;
    const ids = await invoices();
    await eventually(async () =>
      (await Promise.all(ids.map(eventOf))).every(
        (e) => e?.attempts === 1 && e.status === 'pending',
      ),
    );
    return ids;
  };
  const dispatchDue = async () => {
    t.app.get(Clock).advance(70_000);
    await t.app.get(WebhookDispatcher).drain();
  };
  const deliveriesTo = (r: Receiver, invoiceId: string) =>
    r.deliveries.filter((d) => (JSON.parse(d.body) as { id: string }).id === invoiceId).length;

  beforeAll(async () => {
    normal = await startReceiver();
    hostile = await startRawReceiver();
    t = await startTestApp({
      WEBHOOK_RETRY_SCHEDULE: '0,60,600',
      WEBHOOK_DISPATCH_INTERVAL_SECONDS: '3600',
    });
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'click' }),
    });
  });
  afterAll(async () => {
    await t.close();
    await normal.close();
    await hostile.close();
  });

  it('NUL bytes, invalid UTF-8 and megabytes in answers are stored sanitised and truncated; every event of the batch is recorded once', async () => {
    const [good1, nul, huge, good2] = await batchOf(() =>
      Promise.all([
        cancelledInvoice(normal.url),
        cancelledInvoice(`${hostile.url}?nul`),
        cancelledInvoice(`${hostile.url}?huge`),
        cancelledInvoice(normal.url),
      ]),
    );
    normal.respond = () => Promise.resolve({ status: 200, body: '{"ok":true}' });
    hostile.down = false;
    await dispatchDue();
    for (const id of [good1, nul, huge, good2])
      expect((await eventOf(id)).status).toBe('delivered');
    const attempts = await query<{
      event_id: string;
      response_snippet: string | null;
      response_status: number;
    }>(
      t.databaseUrl,
      `SELECT a.event_id, a.response_snippet, a.response_status FROM webhook_attempts a
         JOIN webhook_events e ON e.id = a.event_id WHERE e.invoice_id = ANY($1) AND a.n = 2`,
      [[nul, huge]],
    );
    expect(attempts).toHaveLength(2);
    for (const a of attempts) {
      expect(a.response_status).toBe(200);
      expect(a.response_snippet).not.toContain('\u0000');
      expect((a.response_snippet ?? '').length).toBeLessThanOrEqual(1024);
    }
    expect(attempts.map((a) => a.response_snippet).join('')).toContain('\uFFFD');
    // Nothing is sent again: each event reached its receiver exactly once more.
    t.app.get(Clock).advance(3_600_000);
    await t.app.get(WebhookDispatcher).drain();
    expect(deliveriesTo(normal, good1)).toBe(2);
    expect(deliveriesTo(normal, good2)).toBe(2);
    expect(hostile.deliveries).toBe(4);
  });

  it('an outcome the database refuses to store fails alone: the rest of its batch is recorded, none is sent again', async () => {
    const [good1, refused, good2] = await batchOf(() =>
      Promise.all([
        cancelledInvoice(normal.url),
        cancelledInvoice(normal.url),
        cancelledInvoice(normal.url),
      ]),
    );
    const refusedEvent = (await eventOf(refused)).id;
    // The database refuses any attempt row of this event that carries the receiver's words.
    const admin = new Client({ connectionString: t.databaseUrl });
    await admin.connect();
    await admin.query(`
      CREATE FUNCTION refuse_snippet() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.event_id = '${refusedEvent}' AND NEW.response_snippet IS NOT NULL THEN
          RAISE EXCEPTION 'this attempt cannot be stored';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_snippet BEFORE INSERT ON webhook_attempts
        FOR EACH ROW EXECUTE FUNCTION refuse_snippet();`);
    try {
      normal.respond = () => Promise.resolve({ status: 200, body: '{"ok":true}' });
      await dispatchDue();
      for (const id of [good1, refused, good2])
        expect((await eventOf(id)).status).toBe('delivered');
      const [stored] = await query<{ response_snippet: string | null; response_status: number }>(
        t.databaseUrl,
        'SELECT response_snippet, response_status FROM webhook_attempts WHERE event_id = $1 AND n = 2',
        [refusedEvent],
      );
      expect(stored).toEqual({ response_snippet: null, response_status: 200 });
      // Past every lease: nothing goes out a second time.
      t.app.get(Clock).advance(3_600_000);
      await t.app.get(WebhookDispatcher).drain();
      for (const id of [good1, refused, good2]) expect(deliveriesTo(normal, id)).toBe(2);
    } finally {
      await admin.query(
        'DROP TRIGGER refuse_snippet ON webhook_attempts; DROP FUNCTION refuse_snippet()',
      );
      await admin.end();
    }
  });
});

interface RawReceiver {
  url: string;
  /** While true it answers 503. */
  down: boolean;
  deliveries: number;
  close(): Promise<void>;
}

/**
 * A receiver answering with bytes no JSON can carry: `?nul` gets NUL bytes, invalid UTF-8 and a
 * lone surrogate's encoding; `?huge` 5 MB of them.
 */
async function startRawReceiver(): Promise<RawReceiver> {
  const port = await freePort();
  const nasty = Buffer.from([
    0x6f, 0x6b, 0x00, 0xff, 0xfe, 0xc3, 0x28, 0x00, 0x0b, 0xed, 0xa0, 0x80,
  ]);
  const huge = Buffer.concat(
    Array.from({ length: Math.ceil((5 << 20) / nasty.length) }, () => nasty),
  );
  const receiver: RawReceiver = {
    url: `http://127.0.0.1:${port}/hook`,
    down: false,
    deliveries: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      receiver.deliveries += 1;
      if (receiver.down) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(req.url?.endsWith('?huge') ? huge : nasty);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return receiver;
}
