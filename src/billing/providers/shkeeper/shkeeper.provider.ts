import { randomUUID } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { toString as qrToString } from 'qrcode';

import { ShkeeperClient, ShkeeperReply, baseUrlOf } from './shkeeper.client';
import {
  ShkeeperCoin,
  ShkeeperDeposit,
  ShkeeperReceived,
  renderShkeeperPayPage,
} from './shkeeper-pay.page';
import {
  SHKEEPER_PAYOUT_FEE,
  cryptoRefundShare,
  fiatToCrypto,
  shkeeperPayoutCredentialProblems,
  shkeeperPayoutOutcome,
  shkeeperPayoutProblems,
} from './shkeeper.payouts';
import { SHKEEPER_PROVIDER, cryptoAmount, toShkeeperAmount } from './shkeeper.protocol';
import { Clock } from '../../../common/clock';
import { APP_CONFIG, AppConfig } from '../../../config/app-config';
import { InvoiceStatus } from '../../../invoices/invoice-status.enum';
import { Invoice } from '../../../invoices/invoice.entity';
import { Credentials } from '../../../merchants/credentials-cipher';
import { notifyUrlPolicy, notifyUrlProblem } from '../../../notifications/notify-url.guard';
import { PageLanguage } from '../../../pages/i18n';
import {
  BuyerPageRequest,
  CheckoutInvoice,
  CheckoutResult,
  PaymentLookup,
  PaymentProvider,
  PaymentReference,
  PayoutOrder,
  PayoutOutcome,
  PayoutReference,
  ProviderContext,
  RefundOrder,
  RefundReference,
} from '../../payment-provider.interface';
import { ProviderError } from '../../provider.error';

/** How long a coin list or a deposit read from an instance is reused (SHKeeper caches 60 s). */
const CACHE_MS = 60_000;
/** At most this many deposits are remembered; the oldest are dropped (they are only a cache). */
const MAX_DEPOSITS = 5_000;

/** The amount registration asks the instance to quote in UZS (shkeeper.md §6 option 1). */
const UZS_PROBE_AMOUNT = '1000.00';

/** A deposit as SHKeeper created it, remembered per invoice and coin. */
interface CachedDeposit {
  atMs: number;
  amount: number;
  deposit: Omit<ShkeeperDeposit, 'qrSvg' | 'displayName'>;
}

const str = (value: unknown): string | null =>
  typeof value === 'string' && value !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : null;

/**
 * SHKeeper (shkeeper.io): a merchant's own self-hosted crypto processor. The gateway serves the
 * checkout (`/pay/<id>`): the buyer picks a coin, the gateway asks the instance for a deposit
 * address (`payment_request`), and SHKeeper's signed callbacks pay the invoice. Invoices are
 * priced in their own currency, UZS included (shkeeper.md §6 option 1: the instance quotes UZS;
 * no FX code here), USD or EUR. Crypto refunds and payouts are payouts (not this strategy's).
 */
@Injectable()
export class ShkeeperProvider implements PaymentProvider {
  private readonly logger = new Logger(ShkeeperProvider.name);
  readonly name = SHKEEPER_PROVIDER;
  readonly displayName = 'SHKeeper (crypto)';
  readonly credentialFields = [
    {
      key: 'baseUrl',
      required: true,
      description: 'The SHKeeper instance root, e.g. https://pay.shop.example (https in live mode)',
    },
    {
      key: 'apiKey',
      required: true,
      description: 'The SHKeeper API key (a wallet’s settings); also the callbacks’ HMAC secret',
    },
    {
      key: 'payoutUsername',
      required: false,
      description: 'SHKeeper login for the payout endpoints (HTTP Basic); needed for payouts only',
    },
    {
      key: 'payoutPassword',
      required: false,
      description: 'SHKeeper password for the payout endpoints (HTTP Basic)',
    },
    {
      key: 'legacyHeaderAuth',
      required: false,
      description:
        '"on": also accept callbacks that carry only X-Shkeeper-Api-Key (old SHKeeper versions without HMAC headers). Off by default',
    },
  ] as const;
  readonly capabilities = {
    refund: 'partial',
    statusLookup: true,
    checkout: 'redirect',
    hold: false,
    payout: true,
  } as const;
  readonly currencies = ['UZS', 'USD', 'EUR'] as const;
  /** `notify`: sent as `callback_url` with every payment_request; nothing is pasted into SHKeeper. */
  readonly callbackPaths = { notify: '' };

  private readonly coinCache = new Map<string, { atMs: number; coins: ShkeeperCoin[] }>();
  private readonly deposits = new Map<string, CachedDeposit>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly client: ShkeeperClient,
    private readonly clock: Clock,
  ) {}

  /**
   * Registration (shkeeper.md §1, §6): `baseUrl` passes the SSRF policy of notify URLs (https and
   * no internal address in live mode); the instance answers `GET /api/v1/crypto`; the key is not
   * "Bad API key" on an invoice read; and at least one coin quotes UZS.
   */
  async credentialProblems(credentials: Credentials): Promise<string[]> {
    const baseUrl = baseUrlOf(credentials);
    const urlProblem = notifyUrlProblem(baseUrl, notifyUrlPolicy(this.config));
    if (urlProblem) return [`credentials.baseUrl ${urlProblem}`];
    if (credentials.legacyHeaderAuth !== undefined && credentials.legacyHeaderAuth !== 'on')
      return ['credentials.legacyHeaderAuth must be "on" or left out'];
    let coins: ShkeeperCoin[];
    try {
      coins = await this.readCoins(credentials, true);
    } catch (error) {
      return [`credentials.baseUrl: the SHKeeper instance did not answer (${reasonOf(error)})`];
    }
    try {
      await this.client.call(credentials, 'GET', `/api/v1/invoices/${randomUUID()}`, {
        auth: 'apiKey',
      });
    } catch (error) {
      return [`credentials.apiKey was not accepted by the SHKeeper instance (${reasonOf(error)})`];
    }
    let lastRefusal = 'no coin is enabled';
    for (const coin of coins) {
      try {
        const quote = await this.client.call(
          credentials,
          'POST',
          `/api/v1/${encodeURIComponent(coin.name)}/quote`,
          { auth: 'apiKey', body: { fiat: 'UZS', amount: UZS_PROBE_AMOUNT } },
        );
        // The README names it crypto_amount, the code amount_crypto (shkeeper.md §4): either.
        if (cryptoAmount(quote.body.amount_crypto ?? quote.body.crypto_amount)) return [];
        lastRefusal = `${coin.name}: the quote names no crypto amount`;
      } catch (error) {
        lastRefusal = `${coin.name}: ${reasonOf(error)}`;
        this.logger.warn(
          { coin: coin.name, reason: reasonOf(error) },
          'SHKeeper coin cannot quote UZS',
        );
      }
    }
    return [
      `the SHKeeper instance cannot quote UZS for any enabled coin (${lastRefusal}): set EXTRA_CURRENCIES=UZS and a UZS rate for each coin`,
    ];
  }

  /**
   * Opens the invoice at the instance with its first coin (§11 case 1): a wrong key or an
   * unusable instance fails the create (502) rather than leaving a page nobody can pay. The
   * buyer may switch coins on the page; each switch re-sends the same amount and fiat.
   */
  async createCheckout(invoice: CheckoutInvoice, ctx: ProviderContext): Promise<CheckoutResult> {
    const coins = await this.readCoins(ctx.credentials, false);
    if (coins.length === 0)
      throw new ProviderError(SHKEEPER_PROVIDER, 'declined', 'no coin is enabled on the instance');
    const deposit = await this.requestDeposit(
      { id: invoice.id, amount: invoice.amount, currency: invoice.currency },
      coins[0].name,
      ctx,
    );
    return {
      checkoutUrl: `${this.config.publicUrl}/pay/${invoice.id}`,
      deeplink: null,
      providerRef: deposit.invoiceRef,
    };
  }

  /** `/pay/:id`: the coins, the chosen coin's deposit, and what was received so far. */
  async buyerPage(
    invoice: Invoice,
    lang: PageLanguage,
    request?: BuyerPageRequest,
  ): Promise<string | null> {
    if (!request || !invoice.checkoutUrl) return null;
    const received = receivedOf(await request.transactionDetails());
    const payable = invoice.status === InvoiceStatus.Pending;
    let coins: ShkeeperCoin[] = [];
    let deposit: ShkeeperDeposit | null = null;
    let problem: string | null = null;
    if (payable) {
      try {
        const ctx = await request.context();
        coins = await this.readCoins(ctx.credentials, false);
        const wanted = request.query.coin;
        const coin = coins.find((c) => c.name === wanted);
        if (wanted !== undefined && !coin) problem = 'This coin is not offered.';
        if (coin) {
          const made = await this.requestDeposit(invoice, coin.name, ctx);
          const qrSvg = await qrToString(made.deposit.address, {
            type: 'svg',
            margin: 1,
            errorCorrectionLevel: 'M',
          });
          deposit = { ...made.deposit, displayName: coin.displayName, qrSvg };
        }
      } catch (error) {
        this.logger.warn({ invoiceId: invoice.id, reason: reasonOf(error) }, 'SHKeeper page');
        problem = 'The crypto processor is not answering. Try again in a minute.';
      }
    }
    const sandboxUrl =
      this.config.mode === 'sandbox' && deposit
        ? `/sandbox/shkeeper/wallet?invoice=${invoice.id}&coin=${encodeURIComponent(deposit.coin)}`
        : null;
    return renderShkeeperPayPage({ invoice, lang, coins, deposit, received, problem, sandboxUrl });
  }

  /**
   * Reconciliation (shkeeper.md §5): the instance's invoice of this external id. Several entries
   * (another callback URL or fiat) are narrowed to our fiat; still ambiguous → an unclear answer.
   */
  async lookupPayment(payment: PaymentReference, ctx: ProviderContext): Promise<PaymentLookup> {
    const reply = await this.client.call(
      ctx.credentials,
      'GET',
      `/api/v1/invoices/${encodeURIComponent(payment.invoiceId)}`,
      { auth: 'apiKey' },
    );
    const list: unknown[] = Array.isArray(reply.body.invoices) ? reply.body.invoices : [];
    const entries = list.filter(
      (entry): entry is ShkeeperReply =>
        typeof entry === 'object' &&
        entry !== null &&
        (entry as ShkeeperReply).external_id === payment.invoiceId,
    );
    const fiat = typeof payment.details.currency === 'string' ? payment.details.currency : null;
    const ours = entries.length > 1 && fiat ? entries.filter((e) => e.fiat === fiat) : entries;
    if (ours.length === 0) return { state: 'not_found' };
    if (ours.length > 1)
      throw new ProviderError(SHKEEPER_PROVIDER, 'bad_response', 'several invoices of this id');
    const entry = ours[0];
    if (entry.status !== 'PAID' && entry.status !== 'OVERPAID') return { state: 'unpaid' };
    const txs = Array.isArray(entry.txs) ? (entry.txs as ShkeeperReply[]) : [];
    return {
      state: 'paid',
      refundedAmount: null,
      paid: {
        providerRef: str(txs.find((tx) => tx.status === 'CONFIRMED')?.txid) ?? null,
        cardPan: null,
        paymentSystem: str(txs[0]?.crypto),
        receiptUrl: null,
      },
    };
  }

  payoutProblems(order: PayoutOrder): string[] {
    return shkeeperPayoutProblems(order);
  }

  payoutCredentialProblems(credentials: Credentials): string[] {
    return shkeeperPayoutCredentialProblems(credentials);
  }

  /**
   * A single `POST /api/v1/{coin}/payout` (shkeeper.md §8.1; never `/multipayout`, whose transfer
   * starts before its duplicate check, §8.2), Basic auth, `external_id` = our payout id. First
   * `payout/status` by that id (§11 case 14): an instance that already knows it is only read,
   * never sent a second payout. The crypto amount is the fiat amount at the instance's own rate
   * (`/quote`'s exchange_rate, fee excluded), floored. The answer is a task: `processing` until
   * payout/status (the recovery job) or the payout callback says SUCCESS or FAIL.
   */
  async payout(order: PayoutOrder, ctx: ProviderContext): Promise<PayoutOutcome> {
    const credentialProblems = shkeeperPayoutCredentialProblems(ctx.credentials);
    if (credentialProblems.length > 0)
      throw new ProviderError(SHKEEPER_PROVIDER, 'declined', credentialProblems[0]);
    const coin = order.destination.crypto ?? '';
    const known = await this.lookupPayout(
      { payoutId: order.payoutId, providerRef: null, crypto: coin },
      ctx,
    );
    if (known.state !== 'not_found') return known;
    const quote = await this.client.call(
      ctx.credentials,
      'POST',
      `/api/v1/${encodeURIComponent(coin)}/quote`,
      { auth: 'apiKey', body: { fiat: order.currency, amount: toShkeeperAmount(order.amount) } },
    );
    const rate = cryptoAmount(quote.body.exchange_rate);
    const amount = rate ? fiatToCrypto(order.amount, rate) : null;
    if (!amount)
      throw new ProviderError(SHKEEPER_PROVIDER, 'declined', `no usable ${coin} rate to pay out`);
    const reply = await this.client.call(
      ctx.credentials,
      'POST',
      `/api/v1/${encodeURIComponent(coin)}/payout`,
      {
        auth: 'basic',
        body: {
          amount,
          destination: order.destination.address,
          fee: SHKEEPER_PAYOUT_FEE,
          // `…/{account}/payout` (shkeeper.md §1): below the invoices' URL, not a registration
          // field (nothing is pasted into SHKeeper), so the account's callbackUrls stay as they were.
          callback_url: `${ctx.callbackUrls.notify}/payout`,
          external_id: order.payoutId,
        },
      },
    );
    this.logger.log(
      { payoutId: order.payoutId, coin, amount, rate, fiat: order.currency },
      'SHKeeper payout sent',
    );
    return {
      state: 'processing',
      providerRef: str(reply.body.task_id),
      providerStatus: 'IN_PROGRESS',
      message: null,
      providerCode: null,
    };
  }

  /** `GET /api/v1/{coin}/payout/status?external_id=` with the API key (§8.4): the truth. */
  async lookupPayout(payout: PayoutReference, ctx: ProviderContext): Promise<PayoutOutcome> {
    const coin = payout.crypto ?? '';
    const reply = await this.client.call(
      ctx.credentials,
      'GET',
      `/api/v1/${encodeURIComponent(coin)}/payout/status?external_id=${encodeURIComponent(payout.payoutId)}`,
      { auth: 'apiKey', notFoundIsAnswer: true },
    );
    return shkeeperPayoutOutcome(reply.body, reply.status === 200);
  }

  /**
   * A crypto refund (shkeeper.md §9, §11 case 15): SHKeeper has no refund API, so it is a payout
   * to an address the buyer supplies, in the coin paid. 400 before anything is recorded without
   * the payout login, without the address, or in another coin.
   */
  refundProblems(order: RefundOrder, ctx: ProviderContext): string[] {
    if (shkeeperPayoutCredentialProblems(ctx.credentials).length > 0)
      return [
        'SHKeeper refunds not supported for this account: a refund is a payout, and the account has no payout login (payoutUsername, payoutPassword)',
      ];
    const paidCoin = str(order.payment.details.crypto);
    const problems: string[] = [];
    if (!order.destination?.address)
      problems.push(
        'a SHKeeper refund is sent to a wallet: address (supplied by the buyer) is required',
      );
    if (!paidCoin) problems.push('the coin this invoice was paid in is not known');
    else if (order.destination?.crypto !== undefined && order.destination.crypto !== paidCoin)
      problems.push(`crypto must be ${paidCoin}, the coin this invoice was paid in`);
    if (paidCoin && !str(order.payment.details.balanceCrypto))
      problems.push('the crypto received for this invoice is not known');
    return problems;
  }

  /**
   * Sends the refund's payout: `external_id` = our refund id, the refunded share of the crypto
   * received (cryptoRefundShare). payout/status first, so an instance that already has it is
   * never sent a second one (§11 case 14). SHKeeper settles payouts later, so a payout not yet
   * SUCCESS leaves the refund pending (a non-final error): the payout callback or the recovery
   * job reads it (lookupRefund) and settles it; FAIL fails it.
   */
  async refund(order: RefundOrder, ctx: ProviderContext): Promise<void> {
    const coin = str(order.payment.details.crypto) ?? '';
    const received = str(order.payment.details.balanceCrypto) ?? '';
    const amount = cryptoRefundShare(
      received,
      order.paidAmount,
      order.refundedBefore,
      order.amount,
    );
    if (!amount)
      throw new ProviderError(SHKEEPER_PROVIDER, 'declined', 'the refund is worth no crypto');
    let state = await this.lookupRefund({ refundId: order.refundId, payment: order.payment }, ctx);
    if (state === 'not_found') {
      await this.client.call(
        ctx.credentials,
        'POST',
        `/api/v1/${encodeURIComponent(coin)}/payout`,
        {
          auth: 'basic',
          body: {
            amount,
            destination: order.destination?.address,
            fee: SHKEEPER_PAYOUT_FEE,
            callback_url: `${ctx.callbackUrls.notify}/payout`,
            external_id: order.refundId,
          },
        },
      );
      this.logger.log(
        { refundId: order.refundId, coin, amount, received, paid: order.paidAmount },
        'SHKeeper refund payout sent',
      );
      state = 'processing';
    }
    if (state === 'failed')
      throw new ProviderError(SHKEEPER_PROVIDER, 'declined', 'SHKeeper reports the payout FAIL');
    if (state !== 'succeeded')
      throw new ProviderError(
        SHKEEPER_PROVIDER,
        'timeout',
        'refund payout in progress: settled from payout/status',
      );
  }

  /** A refund's payout read by our refund id in the coin paid (payout/status, §8.4). */
  async lookupRefund(
    refund: RefundReference,
    ctx: ProviderContext,
  ): Promise<'succeeded' | 'failed' | 'processing' | 'not_found'> {
    const outcome = await this.lookupPayout(
      {
        payoutId: refund.refundId,
        providerRef: null,
        crypto: str(refund.payment.details.crypto) ?? '',
      },
      ctx,
    );
    return outcome.state;
  }

  /** The coins the instance offers (`crypto_list`), cached for a minute per instance. */
  private async readCoins(credentials: Credentials, fresh: boolean): Promise<ShkeeperCoin[]> {
    const key = baseUrlOf(credentials);
    const cached = this.coinCache.get(key);
    if (!fresh && cached && this.clock.nowMs() - cached.atMs < CACHE_MS) return cached.coins;
    const reply = await this.client.call(credentials, 'GET', '/api/v1/crypto', { auth: 'none' });
    if (reply.body.status !== 'success')
      throw new ProviderError(SHKEEPER_PROVIDER, 'bad_response', 'the coin list did not succeed');
    const list = Array.isArray(reply.body.crypto_list) ? reply.body.crypto_list : [];
    const coins = list.flatMap((entry: unknown): ShkeeperCoin[] => {
      const e = entry as Record<string, unknown> | null;
      const name = str(e?.name);
      return name && /^[A-Za-z0-9-]{1,32}$/.test(name)
        ? [{ name, displayName: str(e?.display_name)?.slice(0, 64) ?? name }]
        : [];
    });
    this.coinCache.set(key, { atMs: this.clock.nowMs(), coins });
    return coins;
  }

  /**
   * `payment_request` for this coin (shkeeper.md §4), reused for a minute. Re-sending is safe:
   * the instance keys the invoice on (external_id, callback_url, fiat) and the amount never
   * changes; it is never sent for an invoice no longer pending (the page shows no coins then).
   */
  private async requestDeposit(
    invoice: Pick<Invoice, 'id' | 'amount' | 'currency'>,
    coin: string,
    ctx: ProviderContext,
  ): Promise<{ deposit: CachedDeposit['deposit']; invoiceRef: string | null }> {
    const key = `${invoice.id}:${coin}`;
    const now = this.clock.nowMs();
    const cached = this.deposits.get(key);
    if (cached && cached.amount === invoice.amount && now - cached.atMs < CACHE_MS)
      return { deposit: cached.deposit, invoiceRef: null };
    const reply = await this.client.call(
      ctx.credentials,
      'POST',
      `/api/v1/${encodeURIComponent(coin)}/payment_request`,
      {
        auth: 'apiKey',
        body: {
          external_id: invoice.id,
          fiat: invoice.currency,
          amount: toShkeeperAmount(invoice.amount),
          callback_url: ctx.callbackUrls.notify,
        },
      },
    );
    const address = str(reply.body.wallet);
    const amount = cryptoAmount(reply.body.amount);
    if (!address || !amount)
      throw new ProviderError(SHKEEPER_PROVIDER, 'bad_response', 'no address or amount');
    // recalculate_after: the rate-lock period in hours, 0 = kept (shkeeper.md §4).
    const hours = Number(str(reply.body.recalculate_after) ?? '0');
    const rateExpiresAt = new Date(hours > 0 ? now + hours * 3_600_000 : now + 24 * 3_600_000);
    const deposit = {
      coin,
      address: address.slice(0, 200),
      cryptoAmount: amount,
      exchangeRate: cryptoAmount(reply.body.exchange_rate) ?? '?',
      rateExpiresAt,
    };
    if (this.deposits.size >= MAX_DEPOSITS) {
      const oldest = this.deposits.keys().next();
      if (!oldest.done) this.deposits.delete(oldest.value);
    }
    this.deposits.set(key, { atMs: now, amount: invoice.amount, deposit });
    return { deposit, invoiceRef: str(reply.body.id) };
  }
}

/** What the callbacks recorded as received (the handler's transaction of the invoice), if any. */
function receivedOf(details: Record<string, unknown>): ShkeeperReceived | null {
  if (Object.keys(details).length === 0) return null;
  const amount = details.amountReceived;
  return {
    amount: typeof amount === 'number' && Number.isSafeInteger(amount) ? amount : 0,
    status: str(details.shkeeperStatus) ?? '',
    seenUnconfirmed: details.seenUnconfirmed === true,
  };
}

function reasonOf(error: unknown): string {
  return error instanceof ProviderError
    ? error.details.join('; ')
    : error instanceof Error
      ? error.message
      : 'unknown error';
}
