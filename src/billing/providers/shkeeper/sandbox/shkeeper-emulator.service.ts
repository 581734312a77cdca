import { setTimeout as sleep } from 'node:timers/promises';

import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';

import {
  SHKEEPER_API_KEY_HEADER,
  SHKEEPER_SIGNATURE_HEADER,
  SHKEEPER_TIMESTAMP_HEADER,
  fromShkeeperAmount,
  shkeeperSignature,
  shkeeperStatusOf,
  toShkeeperAmount,
} from '../shkeeper.protocol';
import { escapeHtml } from '../../../../common/http/html';
import {
  EmulatorOutcome,
  renderEmulatorCheckout,
  renderEmulatorResult,
} from '../../../../sandbox/sandbox-pages';
import { SandboxSupport } from '../../../../sandbox/sandbox-support';

/** The emulated coins and their fake rates, in minor units of each fiat per whole coin. */
const COINS: Record<
  string,
  { displayName: string; rates: Record<string, bigint>; prefix: string }
> = {
  BTC: {
    displayName: 'Bitcoin',
    rates: { UZS: 1_200_000_000_00n, USD: 95_000_00n, EUR: 88_000_00n },
    prefix: 'bc1qsandbox',
  },
  'ETH-USDT': {
    displayName: 'Tether (ERC-20)',
    rates: { UZS: 12_650_00n, USD: 1_00n, EUR: 93n },
    prefix: '0xsandbox',
  },
};
/** SHKeeper's default fee (shkeeper.md §4): the buyer pays 2 % on top; the crypto amount includes it. */
const FEE_PERCENT = 2n;
const CRYPTO_DECIMALS = 8n;
const RESEND_EVERY_MS = 3_000;
const MAX_RESENDS = 20;

/** One confirmed transaction of an emulated invoice. */
interface EmulatedTx {
  txid: string;
  crypto: string;
  amountCrypto: string;
  /** Fiat minor units credited (the fee taken out: shkeeper.md §7.3 doubt, see README). */
  amountFiat: bigint;
  date: string;
}

/** An invoice the emulated instance keeps, keyed on (external_id, callback_url, fiat) (§4). */
interface EmulatedInvoice {
  id: number;
  externalId: string;
  callbackUrl: string;
  fiat: string;
  amount: bigint;
  crypto: string;
  apiKey: string;
  txs: EmulatedTx[];
}

export interface ShkeeperEmulatorControl {
  /** Coins that refuse a UZS quote (registration's probe, §6). */
  noUzs?: boolean;
  /** Every API key is refused ("Bad API key", HTTP 200). */
  rejectKeys?: boolean;
  /** The next callback is not sent at all (a lost callback). */
  loseCallbacks?: boolean;
  /** `POST …/payout` takes the payout, then waits this long before answering (a timeout). */
  payoutDelayMs?: number;
  /** How new payouts end: SUCCESS (default, with the payout callback), FAIL, or IN_PROGRESS. */
  payoutResult?: 'SUCCESS' | 'FAIL' | 'IN_PROGRESS';
}

/** The Basic login the emulated instance accepts for its payout endpoints (shkeeper.md §8). */
export const SHKEEPER_SANDBOX_PAYOUT_USER = 'payouts';
export const SHKEEPER_SANDBOX_PAYOUT_PASSWORD = 'sandbox-payout-password';

/** A payout the emulated instance made (§8.1), with what payout/status reports (§8.4). */
export interface EmulatedPayout {
  id: number;
  taskId: string;
  externalId: string;
  crypto: string;
  amount: string;
  destination: string;
  fee: string;
  callbackUrl: string | null;
  status: 'IN_PROGRESS' | 'SUCCESS' | 'FAIL';
  txid: string | null;
}

export interface RecordedCall {
  path: string;
  body: unknown;
}

const decimal = (minor: bigint, places: bigint): string => {
  const scale = 10n ** places;
  const text = `${minor / scale}.${String(minor % scale).padStart(Number(places), '0')}`;
  return text.replace(/\.?0+$/, '') || '0';
};

/**
 * A SHKeeper instance, emulated under /sandbox/shkeeper (shkeeper.md §10): the coin list,
 * `payment_request` with the identity rule of §4, the invoice read and the quote, answering errors
 * with HTTP 200 as SHKeeper does; and a wallet page that sends partial / exact / over /
 * unconfirmed payments, each posting a callback signed over its exact bytes with a fresh
 * timestamp, resent every few seconds until the gateway answers 202. The keys are those of the
 * sandbox accounts registered with this emulator's URL.
 */
@Injectable()
export class ShkeeperEmulator implements OnModuleDestroy {
  private readonly logger = new Logger(ShkeeperEmulator.name);
  private readonly invoices: EmulatedInvoice[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private control: ShkeeperEmulatorControl = {};
  private nextId = 1;
  /** The API key of the last keyed read: payout callbacks are signed with the wallet's key. */
  private lastKey = '';
  private nextTx = 1;
  readonly calls: RecordedCall[] = [];
  readonly payouts: EmulatedPayout[] = [];

  constructor(private readonly sandbox: SandboxSupport) {}

  onModuleDestroy(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }

  setControl(control: ShkeeperEmulatorControl): ShkeeperEmulatorControl {
    this.control = { ...control };
    return this.control;
  }

  coins(): Record<string, unknown> {
    return {
      status: 'success',
      crypto: Object.keys(COINS),
      crypto_list: Object.entries(COINS).map(([name, c]) => ({
        name,
        display_name: c.displayName,
      })),
    };
  }

  /**
   * The API key check of §2 (errors with HTTP 200). The emulated instance takes any key except
   * those starting with "bad" (and every key while `rejectKeys` is set): registration probes the
   * key before the account exists, so the emulator cannot look it up among the accounts.
   * Callbacks are signed with the key the invoice was created with, as SHKeeper does.
   */
  private keyProblem(key: string | undefined): string | null {
    if (!key) return 'No API key';
    return key.startsWith('bad') || this.control.rejectKeys ? 'Bad API key' : null;
  }

  paymentRequest(coin: string, key: string | undefined, body: unknown): Record<string, unknown> {
    this.calls.push({ path: `/api/v1/${coin}/payment_request`, body });
    const problem = this.keyProblem(key);
    if (problem) return { status: 'error', message: problem };
    const spec = COINS[coin];
    if (!spec) return { status: 'error', message: `${coin} payment gateway is unavailable` };
    const fields = (body ?? {}) as Record<string, unknown>;
    const amount = fromShkeeperAmount(fields.amount);
    const fiat = typeof fields.fiat === 'string' ? fields.fiat : '';
    const rate = spec.rates[fiat];
    if (
      amount === null ||
      typeof fields.external_id !== 'string' ||
      typeof fields.callback_url !== 'string'
    )
      return {
        status: 'error',
        message: 'Bad request',
        traceback: 'Traceback (most recent call last): …',
      };
    if (rate === undefined)
      return { status: 'error', message: `Can't get rate for ${coin}/${fiat}` };
    let invoice = this.invoices.find(
      (i) =>
        i.externalId === fields.external_id &&
        i.callbackUrl === fields.callback_url &&
        i.fiat === fiat,
    );
    if (!invoice) {
      invoice = {
        id: this.nextId++,
        externalId: fields.external_id,
        callbackUrl: fields.callback_url,
        fiat,
        amount: BigInt(amount),
        crypto: coin,
        apiKey: key ?? '',
        txs: [],
      };
      this.invoices.push(invoice);
    }
    invoice.amount = BigInt(amount);
    invoice.crypto = coin;
    return {
      status: 'success',
      id: invoice.id,
      wallet: this.address(invoice, coin),
      amount: this.cryptoFor(invoice.amount, coin, fiat, true),
      exchange_rate: decimal(rate, 2n),
      display_name: spec.displayName,
      recalculate_after: 0,
    };
  }

  quote(coin: string, key: string | undefined, body: unknown): Record<string, unknown> {
    this.calls.push({ path: `/api/v1/${coin}/quote`, body });
    const problem = this.keyProblem(key);
    if (problem) return { status: 'error', message: problem };
    const fields = (body ?? {}) as Record<string, unknown>;
    const fiat = typeof fields.fiat === 'string' ? fields.fiat : '';
    const amount = fromShkeeperAmount(fields.amount);
    if (
      !COINS[coin] ||
      amount === null ||
      !COINS[coin].rates[fiat] ||
      (this.control.noUzs && fiat === 'UZS')
    )
      return { status: 'error', message: `Can't get rate for ${coin}/${fiat}` };
    return {
      status: 'success',
      fiat,
      amount_fiat: decimal(BigInt(amount), 2n),
      crypto: coin,
      amount_crypto: this.cryptoFor(BigInt(amount), coin, fiat, true),
      exchange_rate: decimal(COINS[coin].rates[fiat], 2n),
    };
  }

  invoicesOf(externalId: string, key: string | undefined): Record<string, unknown> {
    const problem = this.keyProblem(key);
    if (problem) return { status: 'error', message: problem };
    return {
      status: 'success',
      invoices: this.invoices
        .filter((i) => i.externalId === externalId)
        .map((i) => {
          const balance = this.balance(i);
          return {
            external_id: i.externalId,
            fiat: i.fiat,
            amount_fiat: decimal(i.amount, 2n),
            balance_fiat: decimal(balance, 2n),
            status: shkeeperStatusOf(Number(balance), Number(i.amount)),
            txs: i.txs.map((t) => ({
              txid: t.txid,
              addr: this.address(i, t.crypto),
              amount: t.amountCrypto,
              crypto: t.crypto,
              status: 'CONFIRMED',
            })),
          };
        }),
    };
  }

  /**
   * `POST /api/v1/{crypto}/payout` (§8.1): Basic auth only (none → 302 to /login, the API key →
   * its refusal, a wrong login → HTTP 200 error), `fee` required, a duplicate `external_id` for
   * the coin → HTTP 500 before any money moves. The payout is kept, then settles at once as
   * `payoutResult` says (a SUCCESS also POSTs the signed payout callback, SK4 style).
   */
  async payout(
    coin: string,
    authorization: string | undefined,
    key: string | undefined,
    body: unknown,
  ): Promise<{ status: number; body: Record<string, unknown>; location?: string }> {
    this.calls.push({ path: `/api/v1/${coin}/payout`, body });
    const refused = this.basicProblem(authorization, key);
    if (refused) return refused;
    const fields = (body ?? {}) as Record<string, unknown>;
    const text = (v: unknown): string => (typeof v === 'string' ? v : '');
    if (!COINS[coin])
      return {
        status: 200,
        body: { status: 'error', message: `${coin} payment gateway is unavailable` },
      };
    if (
      !text(fields.amount) ||
      !text(fields.destination) ||
      !text(fields.fee) ||
      !text(fields.external_id)
    )
      return {
        status: 200,
        body: { status: 'error', message: 'amount, destination, fee and external_id are required' },
      };
    if (this.payouts.some((p) => p.crypto === coin && p.externalId === fields.external_id))
      return {
        status: 500,
        body: {
          status: 'error',
          message: `Payout with this external_id already exists: ${text(fields.external_id)}`,
        },
      };
    const result = this.control.payoutResult ?? 'SUCCESS';
    const payout: EmulatedPayout = {
      id: this.payouts.length + 1,
      taskId: `task-${this.payouts.length + 1}`,
      externalId: text(fields.external_id),
      crypto: coin,
      amount: text(fields.amount),
      destination: text(fields.destination),
      fee: text(fields.fee),
      callbackUrl: text(fields.callback_url) || null,
      status: result,
      txid: result === 'SUCCESS' ? `sandboxpayout${this.nextTx++}` : null,
    };
    this.payouts.push(payout);
    const delay = this.control.payoutDelayMs;
    if (typeof delay === 'number' && delay > 0) await sleep(delay);
    if (result === 'SUCCESS' && payout.callbackUrl) {
      const callbackUrl = payout.callbackUrl;
      const apiKey = this.lastKey;
      // After the answer, as SHKeeper's notifier does (§8.5): the callback races the reply.
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.deliverPayout(payout, callbackUrl, apiKey).catch((error: unknown) =>
          this.logger.warn({ err: error }, 'SHKeeper emulator payout callback failed'),
        );
      }, 50);
      timer.unref();
      this.timers.add(timer);
    }
    return { status: 200, body: { task_id: payout.taskId, external_id: payout.externalId } };
  }

  /** `GET /api/v1/{crypto}/payout/status?external_id=` with the API key (§8.4). */
  payoutStatus(
    coin: string,
    key: string | undefined,
    externalId: string,
  ): { status: number; body: Record<string, unknown> } {
    this.calls.push({ path: `/api/v1/${coin}/payout/status`, body: { external_id: externalId } });
    const problem = this.keyProblem(key);
    if (problem) return { status: 200, body: { status: 'error', message: problem } };
    this.lastKey = key ?? '';
    const payout = this.payouts.find((p) => p.crypto === coin && p.externalId === externalId);
    if (!payout) return { status: 404, body: { error: 'Payout not found' } };
    return {
      status: 200,
      body: {
        id: payout.id,
        external_id: payout.externalId,
        crypto: payout.crypto,
        status: payout.status,
        amount: payout.amount,
        destination: payout.destination,
        txid: payout.txid,
      },
    };
  }

  /** Test hook: settles a payout as SHKeeper's confirmation poller would. */
  settlePayout(externalId: string, status: 'SUCCESS' | 'FAIL'): boolean {
    const payout = this.payouts.find((p) => p.externalId === externalId);
    if (!payout) return false;
    payout.status = status;
    payout.txid = status === 'SUCCESS' ? (payout.txid ?? `sandboxpayout${this.nextTx++}`) : null;
    return true;
  }

  private basicProblem(
    authorization: string | undefined,
    key: string | undefined,
  ): { status: number; body: Record<string, unknown>; location?: string } | null {
    if (!authorization && key)
      return {
        status: 200,
        body: { status: 'error', message: "This endpoint doesn't accept X-Shkeeper-Api-Key auth" },
      };
    if (!authorization) return { status: 302, body: {}, location: '/login' };
    const expected = `Basic ${Buffer.from(`${SHKEEPER_SANDBOX_PAYOUT_USER}:${SHKEEPER_SANDBOX_PAYOUT_PASSWORD}`).toString('base64')}`;
    if (authorization !== expected)
      return { status: 200, body: { status: 'error', message: 'Bad HTTP Basic Auth credentials' } };
    return null;
  }

  /** The SK4-style payout callback, signed like invoice callbacks, without the API key header. */
  private async deliverPayout(payout: EmulatedPayout, url: string, apiKey: string): Promise<void> {
    const body = JSON.stringify(
      sortKeys({
        amount: payout.amount,
        amount_fiat: '0',
        crypto: payout.crypto,
        currency_fiat: 'USD',
        external_id: payout.externalId,
        payout_id: payout.id,
        status: 'SUCCESS',
        timestamp: new Date().toISOString().slice(0, 19),
        tx_hash: payout.txid,
      }),
    );
    const timestamp = String(Math.floor(Date.now() / 1000));
    await this.sandbox.post(url, body, {
      'content-type': 'application/json',
      [SHKEEPER_TIMESTAMP_HEADER]: timestamp,
      [SHKEEPER_SIGNATURE_HEADER]: shkeeperSignature(apiKey, timestamp, body),
    });
  }

  /** The emulated wallet: send part, all, more, or an unconfirmed transaction. */
  walletPage(externalId: string, coin: string): { status: number; html: string } {
    const invoice = this.latest(externalId);
    if (!invoice || !COINS[coin])
      return {
        status: 404,
        html: renderEmulatorResult('SHKeeper', false, 'No such invoice at this instance', null),
      };
    const balance = this.balance(invoice);
    return {
      status: 200,
      html: renderEmulatorCheckout({
        provider: 'SHKeeper',
        title: `Send ${COINS[coin].displayName}`,
        amountLabel: `${this.cryptoFor(invoice.amount, coin, invoice.fiat, true)} ${coin}`,
        lines: [
          ['Invoice', invoice.externalId],
          ['Address', this.address(invoice, coin)],
          ['Received', `${decimal(balance, 2n)} of ${decimal(invoice.amount, 2n)} ${invoice.fiat}`],
        ],
        actions: [
          { label: 'Send partial', action: '/sandbox/shkeeper/wallet/partial' },
          { label: 'Send exact', action: '/sandbox/shkeeper/wallet/exact' },
          { label: 'Send over', action: '/sandbox/shkeeper/wallet/over', secondary: true },
          {
            label: 'Send unconfirmed',
            action: '/sandbox/shkeeper/wallet/unconfirmed',
            secondary: true,
          },
        ],
        fields: { invoice: externalId, coin },
        note: 'Partial sends half of what is missing; exact the rest; over the rest and 10 % more; unconfirmed only announces a mempool transaction.',
      }),
    };
  }

  async send(kind: string, externalId: string, coin: string): Promise<EmulatorOutcome> {
    const invoice = this.latest(externalId);
    if (!invoice || !COINS[coin] || !['partial', 'exact', 'over', 'unconfirmed'].includes(kind))
      return {
        status: 404,
        html: renderEmulatorResult('SHKeeper', false, 'No such invoice at this instance', null),
      };
    const missing = invoice.amount - this.balance(invoice);
    const fiat =
      kind === 'partial'
        ? missing / 2n
        : kind === 'over'
          ? missing + invoice.amount / 10n
          : missing;
    const txid = `sandboxtx${this.nextTx++}`;
    const amountCrypto = this.cryptoFor(fiat > 0n ? fiat : 0n, coin, invoice.fiat, true);
    let payload: Record<string, unknown>;
    if (kind === 'unconfirmed') {
      payload = {
        addr: this.address(invoice, coin),
        amount: amountCrypto,
        crypto: coin,
        external_id: invoice.externalId,
        status: 'unconfirmed',
        txid,
      };
    } else {
      invoice.txs.push({
        txid,
        crypto: coin,
        amountCrypto,
        amountFiat: fiat,
        date: new Date().toISOString().replace('T', ' ').slice(0, 19),
      });
      payload = this.invoicePayload(invoice, txid);
    }
    const status = await this.deliver(invoice, payload, 0);
    const accepted = status === 202;
    return {
      status: 200,
      html: renderEmulatorResult(
        'SHKeeper',
        accepted,
        `${kind === 'unconfirmed' ? 'Unconfirmed transaction announced' : `Sent ${amountCrypto} ${coin}`}; callback answered ${status || 'nothing'}${accepted ? '' : ', resending every few seconds'}.`,
        null,
      ).replace(
        '</div>',
        `<p><a href="/sandbox/shkeeper/wallet?invoice=${escapeHtml(encodeURIComponent(invoice.externalId))}&amp;coin=${escapeHtml(encodeURIComponent(coin))}">Back to the wallet</a></p></div>`,
      ),
    };
  }

  /** The callback of §7.3 for the invoice as it is now (a snapshot built at send time). */
  private invoicePayload(invoice: EmulatedInvoice, trigger: string): Record<string, unknown> {
    const balance = this.balance(invoice);
    const status = shkeeperStatusOf(Number(balance), Number(invoice.amount));
    const upper = (invoice.amount * 105n) / 100n;
    return {
      addr: this.address(invoice, invoice.crypto),
      balance_crypto: this.cryptoFor(balance, invoice.crypto, invoice.fiat, false),
      balance_fiat: decimal(balance, 2n),
      crypto: invoice.crypto,
      external_id: invoice.externalId,
      fee_fixed: '0',
      fee_percent: String(FEE_PERCENT),
      fee_policy: 'PERCENT_FEE',
      fiat: invoice.fiat,
      overpaid_fiat: balance > upper ? toShkeeperAmount(Number(balance - upper)) : '0.00',
      paid: status === 'PAID' || status === 'OVERPAID',
      status,
      transactions: invoice.txs.map((t) => ({
        amount_crypto: t.amountCrypto,
        amount_fiat: decimal((t.amountFiat * (100n + FEE_PERCENT)) / 100n, 2n),
        amount_fiat_without_fee: decimal(t.amountFiat, 2n),
        crypto: t.crypto,
        date: t.date,
        fee_fiat: decimal((t.amountFiat * FEE_PERCENT) / 100n, 2n),
        trigger: t.txid === trigger,
        txid: t.txid,
      })),
    };
  }

  /**
   * POSTs the callback as SHKeeper does (§7.1, §7.2): compact, key-sorted, raw UTF-8 JSON, the
   * HMAC over a fresh timestamp and those bytes; resent every few seconds until answered 202.
   */
  private async deliver(
    invoice: EmulatedInvoice,
    payload: Record<string, unknown>,
    attempt: number,
  ): Promise<number> {
    if (this.control.loseCallbacks) {
      this.control = { ...this.control, loseCallbacks: false };
      return 0;
    }
    const body = JSON.stringify(sortKeys(payload));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const result = await this.sandbox.post(invoice.callbackUrl, body, {
      'content-type': 'application/json',
      [SHKEEPER_TIMESTAMP_HEADER]: timestamp,
      [SHKEEPER_SIGNATURE_HEADER]: shkeeperSignature(invoice.apiKey, timestamp, body),
      [SHKEEPER_API_KEY_HEADER]: invoice.apiKey,
    });
    if (result.status !== 202 && attempt + 1 < MAX_RESENDS) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.deliver(invoice, payload, attempt + 1).catch((error: unknown) =>
          this.logger.warn({ err: error }, 'SHKeeper emulator resend failed'),
        );
      }, RESEND_EVERY_MS);
      timer.unref();
      this.timers.add(timer);
    }
    return result.status;
  }

  private latest(externalId: string): EmulatedInvoice | undefined {
    return [...this.invoices].reverse().find((i) => i.externalId === externalId);
  }

  private balance(invoice: EmulatedInvoice): bigint {
    return invoice.txs.reduce((sum, t) => sum + t.amountFiat, 0n);
  }

  private address(invoice: EmulatedInvoice, coin: string): string {
    return `${COINS[coin]?.prefix ?? 'addr'}${String(invoice.id).padStart(8, '0')}`;
  }

  /** The crypto for `fiat` minor units at the coin's rate, with the 2 % fee when `withFee`. */
  private cryptoFor(fiat: bigint, coin: string, fiatCode: string, withFee: boolean): string {
    const rate = COINS[coin]?.rates[fiatCode] ?? 1n;
    const gross = withFee ? fiat * (100n + FEE_PERCENT) : fiat * 100n;
    const units = (gross * 10n ** CRYPTO_DECIMALS) / (100n * rate);
    return decimal(units, CRYPTO_DECIMALS);
  }
}

/** Python's `sort_keys=True`, recursively. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}
