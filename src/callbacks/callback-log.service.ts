import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { CallbackReply } from './callback-reply';

const SECRET_KEY = /sign|password|secret|token|authorization|^key$/i;

/** A deep copy with every secret-looking field (signatures, passwords, tokens, keys) replaced. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      SECRET_KEY.test(k) ? '[removed]' : withoutSecrets(v),
    ]),
  );
}

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

/** Keeps every inbound provider call and our answer, secrets removed. */
@Injectable()
export class CallbackLog {
  private readonly logger = new Logger(CallbackLog.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

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
    },
    result: CallbackReply,
  ): Promise<string> {
    await this.record({
      ...call,
      invoiceId: result.invoiceId,
      responseStatus: result.status,
      response: JSON.parse(result.body) as unknown,
      outcome: result.outcome,
    });
    void reply.status(result.status).header('content-type', 'application/json; charset=utf-8');
    return result.body;
  }

  /** Written after the callback's transaction: a log failure never changes the provider's answer. */
  async record(entry: CallbackLogRecord): Promise<void> {
    try {
      await this.dataSource.query(
        `INSERT INTO callback_log (provider, merchant_account_ref, action, invoice_id, request, response_status, response, outcome, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          entry.provider,
          entry.merchantAccountRef.slice(0, 100),
          entry.action.slice(0, 100),
          entry.invoiceId,
          JSON.stringify(withoutSecrets(entry.request) ?? null),
          entry.responseStatus,
          JSON.stringify(withoutSecrets(entry.response) ?? null),
          entry.outcome,
          entry.requestId,
        ],
      );
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
}
