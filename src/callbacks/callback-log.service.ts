import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { CallbackReply } from './callback-reply';
import { clientSubject } from '../common/http/client-subject';
import { FixedWindowRateLimiter } from '../common/http/rate-limiter';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { PreparedStatement, runPrepared } from '../database/prepared-statement';
import { StatementBatcher } from '../database/statement-batcher';
import { Metrics } from '../metrics/metrics';

const SECRET_KEY = /sign|password|secret|token|authorization|^key$/i;

/**
 * The most of an unauthenticated call's body the log keeps, in bytes of its stored JSON. A caller
 * who cannot prove to be the provider must not be able to fill the disk with 1 MB bodies.
 */
export const UNAUTHENTICATED_EXCERPT_BYTES = 4096;

/**
 * A deep copy for the log: every secret-looking field (signatures, passwords, tokens, keys)
 * replaced, and U+0000 (which PostgreSQL's jsonb cannot hold) replaced by U+FFFD in keys and
 * strings, so that such a call is still recorded.
 */
export function withoutSecrets(value: unknown): unknown {
  if (typeof value === 'string') return withoutNul(value);
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      withoutNul(k),
      SECRET_KEY.test(k) ? '[removed]' : withoutSecrets(v),
    ]),
  );
}

function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\ufffd') : text;
}

/**
 * What the log stores of a request (record() then removes its secrets): an authenticated call
 * whole; any other call whole only when it is at most UNAUTHENTICATED_EXCERPT_BYTES of JSON,
 * otherwise `{excerpt, bytes}`: the start of its JSON text (cut so the stored value stays within
 * the limit) and its full size.
 */
export function loggedRequest(request: unknown, authenticated: boolean): unknown {
  if (authenticated) return request;
  const cleaned = withoutSecrets(request) ?? null;
  const text = JSON.stringify(cleaned) ?? 'null';
  const bytes = Buffer.byteLength(text);
  if (bytes <= UNAUTHENTICATED_EXCERPT_BYTES) return cleaned;
  let excerpt = text.slice(0, UNAUTHENTICATED_EXCERPT_BYTES);
  const fits = () =>
    Buffer.byteLength(JSON.stringify({ excerpt, bytes })) <= UNAUTHENTICATED_EXCERPT_BYTES;
  while (!fits()) excerpt = excerpt.slice(0, Math.floor(excerpt.length * 0.9));
  // Never end on half a surrogate pair (jsonb refuses a lone surrogate).
  if (/[\ud800-\udbff]$/.test(excerpt)) excerpt = excerpt.slice(0, -1);
  return { excerpt, bytes };
}

/**
 * A callback's result as the metrics count it: `accepted`; `bad_signature` when it was refused
 * and the caller did not prove to be the provider (signature, key or password wrong, account
 * unknown); `refused` when it did and the protocol still said no (unknown order, wrong amount,
 * already paid...).
 */
export function callbackResult(
  result: Pick<CallbackReply, 'outcome' | 'authenticated'>,
): 'accepted' | 'refused' | 'bad_signature' {
  if (result.outcome === null) return 'accepted';
  return result.authenticated ? 'refused' : 'bad_signature';
}

/** One callback_log row as the batched INSERT reads it (jsonb_to_recordset), secrets removed. */
interface CallbackLogRow {
  provider: string;
  merchant_account_ref: string;
  action: string;
  invoice_id: string | null;
  request: unknown;
  response_status: number;
  response: unknown;
  outcome: string | null;
  request_id: string | null;
}

/**
 * The rows of concurrent callbacks, written by one statement (group commit). A call without a body
 * is logged with the JSON null (jsonb_to_recordset reads it as SQL NULL; the columns are NOT NULL).
 */
const INSERT_ROWS: PreparedStatement = {
  name: 'callback_log_insert_rows',
  text: `INSERT INTO callback_log (provider, merchant_account_ref, action, invoice_id, request, response_status, response, outcome, request_id)
  SELECT provider, merchant_account_ref, action, invoice_id, COALESCE(request, 'null'::jsonb), response_status,
         COALESCE(response, 'null'::jsonb), outcome, request_id
    FROM jsonb_to_recordset($1::jsonb) AS r(provider text, merchant_account_ref text, action text, invoice_id uuid,
         request jsonb, response_status integer, response jsonb, outcome text, request_id text)`,
};

/** Log batches in flight at once: each holds a pool connection while it runs. */
const LOG_BATCHES_IN_FLIGHT = 2;

export interface CallbackLogRecord {
  provider: string;
  merchantAccountRef: string;
  action: string;
  invoiceId: string | null;
  request: unknown;
  responseStatus: number;
  response: unknown;
  outcome: string | null;
  requestId: string | null;
}

/**
 * Keeps every inbound provider call and our answer, secrets removed. Calls that do not
 * authenticate (a wrong signature or password, an unknown account, a body too malformed to
 * check) are kept only as an excerpt, and only CALLBACK_AUTH_FAILURES_PER_MINUTE of them per
 * client (its IP as TRUST_PROXY decides, an IPv6 /64) per minute: past that, such calls are
 * still answered exactly as their protocol requires (the same refusal as any other failed
 * authentication, HTTP status and bytes alike), but nothing of them is written. An
 * authenticated call is never counted and always recorded in full, so a flood of forged calls
 * from one address, even the provider's own, can neither fill the disk nor hide or stop a real
 * payment. (A 429 instead would tell a misconfigured real provider something its protocol does
 * not define, and a real provider is never refused: its call is checked before this counts.)
 */
@Injectable()
export class CallbackLog {
  private readonly logger = new Logger(CallbackLog.name);
  private readonly failures = new FixedWindowRateLimiter();
  /**
   * Concurrent callbacks' rows share one INSERT: the log is the audit trail (the provider
   * transaction and the invoice, committed before, are the truth), so a row may wait for the
   * batch in flight; under load one statement, one commit and one round trip serve many calls.
   */
  private readonly rows: StatementBatcher<CallbackLogRow, void>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.rows = new StatementBatcher((rows) => this.insertRows(rows), {
      concurrency: Math.min(
        LOG_BATCHES_IN_FLIGHT,
        Math.max(1, Math.floor(config.database.poolSize / 2)),
      ),
      maxBatch: 100,
    });
  }

  /** The invoice's logged calls, oldest first, at most `limit` (the admin's dossier). */
  ofInvoice(invoiceId: string, limit: number): Promise<Record<string, unknown>[]> {
    return this.dataSource.query(
      `SELECT action, outcome, response_status, created_at FROM callback_log
        WHERE invoice_id = $1 ORDER BY created_at LIMIT $2`,
      [invoiceId, limit],
    );
  }

  /**
   * Logs the call and its answer, then sends the answer as the provider's protocol wants it
   * (its HTTP status, the exact JSON text). Every callback controller ends here.
   */
  async answer(
    reply: FastifyReply,
    call: {
      provider: string;
      merchantAccountRef: string;
      action: string;
      request: unknown;
      requestId: string;
      /** The client address (Fastify's request.ip, as TRUST_PROXY decides). */
      clientIp: string;
    },
    result: CallbackReply,
  ): Promise<string> {
    this.metrics.providerCallbacks.inc({ provider: call.provider, result: callbackResult(result) });
    if (result.authenticated || this.withinFailureBudget(call.provider, call.clientIp)) {
      await this.record({
        provider: call.provider,
        merchantAccountRef: call.merchantAccountRef,
        action: call.action,
        requestId: call.requestId,
        request: loggedRequest(call.request, result.authenticated),
        invoiceId: result.invoiceId,
        responseStatus: result.status,
        response: JSON.parse(result.body) as unknown,
        outcome: result.outcome,
      });
    }
    void reply.status(result.status).header('content-type', 'application/json; charset=utf-8');
    return result.body;
  }

  /** Counts an unauthenticated call against its client; false once the client is over budget. */
  private withinFailureBudget(provider: string, clientIp: string): boolean {
    const verdict = this.failures.hit(
      clientSubject(clientIp),
      this.config.callbacks.authFailuresPerMinute,
      60_000,
    );
    if (verdict.firstRefused) {
      this.logger.warn(
        { provider, clientIp, limit: verdict.limit, resumesInSeconds: verdict.resetSeconds },
        'Unauthenticated callbacks from this client are over the limit: answered, no longer recorded this minute',
      );
    }
    return verdict.allowed;
  }

  /**
   * Written after the callback's transaction, awaited (the row exists once the provider has its
   * answer), in a batch with concurrent callbacks' rows: a row the batch could not write is tried
   * again alone (StatementBatcher), so one unstorable call loses only its own row. A log failure
   * never changes the provider's answer.
   */
  async record(entry: CallbackLogRecord): Promise<void> {
    try {
      await this.rows.submit({
        provider: entry.provider,
        merchant_account_ref: withoutNul(entry.merchantAccountRef.slice(0, 100)),
        action: withoutNul(entry.action.slice(0, 100)),
        invoice_id: entry.invoiceId,
        request: withoutSecrets(entry.request) ?? null,
        response_status: entry.responseStatus,
        response: withoutSecrets(entry.response) ?? null,
        outcome: entry.outcome,
        request_id: entry.requestId,
      });
    } catch (error) {
      this.logger.error(
        { err: error, provider: entry.provider, action: entry.action },
        'Could not write the callback log',
      );
    }
    if (entry.outcome !== null) {
      this.logger.warn(
        {
          provider: entry.provider,
          action: entry.action,
          outcome: entry.outcome,
          invoiceId: entry.invoiceId,
        },
        'Callback refused',
      );
    }
  }

  private async insertRows(rows: CallbackLogRow[]): Promise<void[]> {
    await runPrepared(this.dataSource, INSERT_ROWS, [JSON.stringify(rows)]);
    return rows.map(() => undefined);
  }
}
