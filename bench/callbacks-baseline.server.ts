/**
 * The raw baseline for `npm run bench -- callbacks`: Fastify and pg doing the durable work of a
 * Payme CreateTransaction and PerformTransaction, each request its own database transaction as the
 * protocol requires, and nothing else (no framework, no validation beyond what deciding needs, no
 * logging, no callback log, no order-level checks). The cashbox key is checked against the one
 * key this server was given.
 * - Create: BEGIN; lock the invoice (pending, amount to the tiyin); insert the provider
 *   transaction; COMMIT.
 * - Perform: BEGIN; lock the transaction's invoice, then the transaction; update the transaction;
 *   update the invoice to paid; insert the outbox row; COMMIT.
 */
import { randomUUID } from 'node:crypto';

import Fastify from 'fastify';
import { Pool, PoolClient } from 'pg';

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_SIZE ?? 10),
});
const authorization = `Basic ${Buffer.from(`Paycom:${process.env.PAYME_KEY}`).toString('base64')}`;
const app = Fastify();

interface RpcBody {
  id: number;
  method: string;
  params: { id: string; time?: number; amount?: number; account?: { order_id?: string } };
}

interface InvoiceRow {
  id: string;
  status: string;
  amount: string;
  source: string;
  business_id: string;
  source_invoice_id: string;
  currency: string;
  provider: string;
  notify_url: string;
  version: number;
}

const error = (id: number, code: number) => ({ id, error: { code, message: String(code) } });

async function inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (failure) {
    await client.query('ROLLBACK');
    throw failure;
  } finally {
    client.release();
  }
}

async function create(body: RpcBody): Promise<unknown> {
  const { id, time, amount, account } = body.params;
  return inTransaction(async (client) => {
    const { rows } = await client.query<InvoiceRow>(
      'SELECT id, status, amount FROM invoices WHERE id = $1 FOR UPDATE',
      [account?.order_id],
    );
    const invoice = rows[0];
    if (!invoice || invoice.status !== 'pending') return error(body.id, -31050);
    if (Number(invoice.amount) !== amount) return error(body.id, -31001);
    const createdMs = Date.now();
    const inserted = await client.query<{ seq: string }>(
      `INSERT INTO provider_transactions (provider, provider_txn_id, invoice_id, merchant_account_id, state, amount, provider_time, created_ms)
       VALUES ('payme', $1, $2, $3, 'created', $4, $5, $6)
       RETURNING seq`,
      [id, invoice.id, process.env.MERCHANT_ACCOUNT_ID, amount, time, createdMs],
    );
    return {
      id: body.id,
      result: { create_time: createdMs, transaction: inserted.rows[0].seq, state: 1 },
    };
  });
}

async function perform(body: RpcBody): Promise<unknown> {
  return inTransaction(async (client) => {
    const { rows } = await client.query<InvoiceRow>(
      `SELECT id, status, amount, source, business_id, source_invoice_id, currency, provider, notify_url, version
         FROM invoices
        WHERE id = (SELECT invoice_id FROM provider_transactions WHERE provider = 'payme' AND provider_txn_id = $1)
        FOR UPDATE`,
      [body.params.id],
    );
    const invoice = rows[0];
    if (!invoice) return error(body.id, -31003);
    const locked = await client.query<{ id: string; seq: string; state: string }>(
      `SELECT id, seq, state FROM provider_transactions
        WHERE provider = 'payme' AND provider_txn_id = $1 FOR UPDATE`,
      [body.params.id],
    );
    const transaction = locked.rows[0];
    if (transaction.state !== 'created' || invoice.status !== 'pending')
      return error(body.id, -31008);
    const now = new Date();
    await client.query(
      `UPDATE provider_transactions SET state = 'completed', completed_ms = $2, updated_at = now() WHERE id = $1`,
      [transaction.id, now.getTime()],
    );
    const updated = await client.query<{ version: number }>(
      `UPDATE invoices SET status = 'paid', paid_at = $2, provider_ref = $3, payment_system = 'payme',
              notify_delivered = false, version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING version`,
      [invoice.id, now, body.params.id],
    );
    const eventId = randomUUID();
    const sequence = updated.rows[0].version;
    await client.query(
      `INSERT INTO webhook_events (id, invoice_id, source, source_invoice_id, type, sequence, notify_url, body, status, attempts, next_attempt_at)
       VALUES ($1, $2, $3, $4, 'invoice.updated', $5, $6, $7, 'pending', 0, $8)`,
      [
        eventId,
        invoice.id,
        invoice.source,
        invoice.source_invoice_id,
        sequence,
        invoice.notify_url,
        JSON.stringify({
          id: invoice.id,
          source: invoice.source,
          businessId: invoice.business_id,
          sourceInvoiceId: invoice.source_invoice_id,
          amount: Number(invoice.amount),
          currency: invoice.currency,
          status: 'paid',
          providerUuid: body.params.id,
          paidAt: now.toISOString(),
          card: { pan: null, paymentSystem: 'payme' },
          receiptUrl: null,
          provider: invoice.provider,
          refundedAmount: 0,
          statusReason: null,
          eventId,
          sequence,
          createdAt: now.toISOString(),
        }),
        now,
      ],
    );
    return {
      id: body.id,
      result: { transaction: transaction.seq, perform_time: now.getTime(), state: 2 },
    };
  });
}

app.get('/health', () => ({ ok: true }));
app.post<{ Body: RpcBody }>('/payme', async (request, reply) => {
  void reply.header('content-type', 'application/json; charset=utf-8');
  if (request.headers.authorization !== authorization) return error(request.body.id, -32504);
  if (request.body.method === 'CreateTransaction') return create(request.body);
  if (request.body.method === 'PerformTransaction') return perform(request.body);
  return error(request.body.id, -32601);
});

// Exit cleanly on SIGTERM, so that BENCH_NODE_ARGS=--cpu-prof writes the baseline's profile too.
process.once('SIGTERM', () => process.exit(0));

app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).catch((failure: unknown) => {
  process.stderr.write(`${String(failure)}\n`);
  process.exit(1);
});
