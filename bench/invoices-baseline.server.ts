/**
 * The raw baseline for `npm run bench -- invoices`: Fastify and pg, no framework, no validation,
 * no auth, no logging; it inserts the same row the gateway inserts for a Click invoice.
 */
import { randomUUID } from 'node:crypto';

import Fastify from 'fastify';
import { Pool } from 'pg';

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_SIZE ?? 10),
});
const app = Fastify();

interface Body {
  source: string;
  businessId: string;
  provider: string;
  sourceInvoiceId: string;
  amount: number;
  notifyUrl: string;
}

app.get('/health', () => ({ ok: true }));
app.post<{ Body: Body }>('/invoices', async (request, reply) => {
  const b = request.body;
  const id = randomUUID();
  await pool.query(
    `INSERT INTO invoices (id, merchant_account_id, source, business_id, provider, source_invoice_id, amount, currency,
       status, refunded_amount, notify_url, checkout_url, expires_at, version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'UZS', 'pending', 0, $8, $9, now() + interval '1 day', 1)`,
    [
      id,
      process.env.MERCHANT_ACCOUNT_ID,
      b.source,
      b.businessId,
      b.provider,
      b.sourceInvoiceId,
      b.amount,
      b.notifyUrl,
      `https://my.click.uz/services/pay?transaction_param=${id}`,
    ],
  );
  return reply.status(201).send({ id, status: 'pending' });
});

// Exit cleanly on SIGTERM, so that BENCH_NODE_ARGS=--cpu-prof writes the baseline's profile too.
process.once('SIGTERM', () => process.exit(0));

app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
