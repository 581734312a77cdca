import type { Currency } from '../common/money/currency';
import type { MinorUnits } from '../common/money/money';
import type { Invoice, OfdItem } from '../invoices/invoice.entity';
import type { Credentials } from '../merchants/credentials-cipher';
import type { PageLanguage } from '../pages/i18n';

/** A credential a business pastes from the provider's cabinet. */
export interface CredentialField {
  key: string;
  required: boolean;
  description: string;
}

export interface ProviderCapabilities {
  /** What `POST /api/refunds` can do through the provider's API ('none': refunded from its cabinet). */
  refund: 'full' | 'partial' | 'none';
  /** Whether the gateway can ask the provider for a payment's status (reconciliation). */
  statusLookup: boolean;
  /** How the buyer pays: redirected to a checkout page, or from an app through a deeplink. */
  checkout: 'redirect' | 'deeplink';
  /**
   * Whether the provider can hold a buyer's money and capture or release it later (two-stage
   * payments: `capture: "manual"`). When true the strategy implements captureHold and voidHold.
   */
  hold: boolean;
  /**
   * Whether `POST /api/payouts` can send money out through the provider (payouts.md). When true
   * the strategy implements payout and lookupPayout. Unset: no.
   */
  payout?: boolean;
}

/** What a provider needs to know of an invoice to open its checkout. Amounts in tiyin. */
export interface CheckoutInvoice {
  id: string;
  amount: MinorUnits;
  currency: Currency;
  lang: string | null;
  returnUrl: string | null;
  returnErrorUrl: string | null;
  ofd: OfdItem[] | null;
  expiresAt: Date;
  /** 'manual': hold the money when the buyer pays and wait for capture or void (capabilities.hold). */
  capture: CaptureMode;
}

/** When the money of a paid invoice is taken: at once, or held until the app captures it. */
export type CaptureMode = 'automatic' | 'manual';

/** Where the buyer pays, and the provider's own id of the invoice when it keeps one. */
export interface CheckoutResult {
  checkoutUrl: string | null;
  deeplink: string | null;
  providerRef: string | null;
}

/** The payment of an invoice as we know it, for the provider to find it again. */
export interface PaymentReference {
  invoiceId: string;
  /** invoice.providerRef: the provider's invoice id while pending, its payment id once paid. */
  providerRef: string | null;
  /** Whether we hold the invoice as paid (or refunded, or its money held: authorized). */
  paid: boolean;
  /** Whether its money is held, not yet captured (an authorized invoice); unset: no. */
  held?: boolean;
  /** What the completed provider transaction recorded (a payment document id), when there is one. */
  details: Record<string, string | number | boolean | null>;
}

/** A refund to make at the provider. Amounts in tiyin. */
export interface RefundOrder {
  /**
   * Our refund's id: a provider that filters duplicate refunds by the caller's id, or whose refund
   * calls carry an idempotency key derived from it, takes it.
   */
  refundId: string;
  payment: PaymentReference;
  /** In minor units of `currency`, the invoice's currency (a refund is never in another one). */
  amount: MinorUnits;
  currency: Currency;
  /** The amount paid, and what was refunded before this refund. */
  paidAmount: MinorUnits;
  refundedBefore: MinorUnits;
  /** The new fiscal receipt, for a provider whose partial refunds carry one. */
  ofd: OfdItem[] | null;
  /** The full card number, when the provider needs it for wallet payments (never stored). */
  cardPan: string | null;
  /** A crypto refund's destination, as the buyer supplied it (a refund paid out to a wallet). */
  destination?: { address?: string; crypto?: string };
}

/** A refund we asked for, for a provider whose refunds can be read back by our refund id. */
export interface RefundReference {
  refundId: string;
  payment: PaymentReference;
}

/** Identity data a provider may require for a large payout (payouts.md §2.1), as stored. */
export interface PayoutKycData {
  lastName: string;
  firstName: string;
  middleName?: string | null;
  passport: string;
  pinfl: string;
  /** YYYY-MM-DD */
  dob: string;
  /** YYYY-MM-DD */
  passportExpiryDate: string;
}

/** A payout to send at the provider. Amounts in minor units of `currency`. */
export interface PayoutOrder {
  /** Our payout's id: the provider's duplicate filter and the key to find it again. */
  payoutId: string;
  amount: MinorUnits;
  currency: Currency;
  /** A card (number xor token) or a crypto address; the card number is never stored. */
  destination: { cardPan?: string; cardToken?: string; address?: string; crypto?: string };
  kyc: PayoutKycData | null;
  /** The device data a provider asks for with a payout (a device-details block). */
  device: { ip: string; userAgent: string };
}

/** A payout at the provider, as it answered or as read back. */
export interface PayoutOutcome {
  /**
   * `processing`: accepted, no final state yet (read again later); `not_found`: the provider does
   * not know it (the call may never have arrived).
   */
  state: 'succeeded' | 'failed' | 'processing' | 'not_found';
  providerRef: string | null;
  /** The provider's own status word. */
  providerStatus: string | null;
  /** The provider's words on a failure. */
  message: string | null;
  providerCode: string | null;
}

/** A payout we sent, for the provider to find it again. */
export interface PayoutReference {
  payoutId: string;
  providerRef: string | null;
  /** The wallet payout's coin (a provider whose reads are per coin needs it). */
  crypto?: string;
}

/** A hold to capture at the provider: `amount` of the held amount (the rest is released). */
export interface CaptureOrder {
  payment: PaymentReference;
  amount: MinorUnits;
  heldAmount: MinorUnits;
  currency: Currency;
}

/** What was paid, as the provider reports it. */
export interface PaidDetails {
  providerRef: string | null;
  cardPan: string | null;
  paymentSystem: string | null;
  receiptUrl: string | null;
}

/** A payment's state at the provider now (reconciliation, refund recovery). */
export type PaymentLookup =
  | { state: 'unpaid' | 'failed' | 'not_found' }
  /**
   * Paid; `capturedAmount` is what a captured hold took when that is less than the invoice amount
   * (null: the whole amount).
   */
  | {
      state: 'paid';
      refundedAmount: MinorUnits | null;
      capturedAmount?: MinorUnits | null;
      paid: PaidDetails;
    }
  | { state: 'refunded'; paid: PaidDetails }
  /** Held and waiting for capture or void (a `capture: "manual"` invoice). */
  | {
      state: 'authorized';
      /** null: the provider's read names no amount (the whole invoice is held, as created). */
      heldAmount: MinorUnits | null;
      captureBefore: Date | null;
      paid: PaidDetails;
    }
  /** The hold was released without capture: voided by us, or expired at the provider. */
  | { state: 'hold_released' };

/** What a buyer page may use of its request (`buyerPage`). */
export interface BuyerPageRequest {
  /** The page URL's query parameters (string values only): a choice the buyer made on the page. */
  query: Readonly<Record<string, string>>;
  /** The invoice's merchant account context, for a page that calls the provider. */
  context(): Promise<ProviderContext>;
  /** What the provider's callbacks recorded on the invoice's latest transaction ({} for none). */
  transactionDetails(): Promise<Record<string, unknown>>;
}

/** Per-call context: the merchant account's decrypted credentials and its callback URLs. */
export interface ProviderContext {
  merchantAccountId: string;
  credentials: Credentials;
  callbackUrls: Record<string, string>;
}

/**
 * One payment provider. Each is a stateless singleton registered under PAYMENT_PROVIDERS;
 * credentials reach it per call. Providers never change our state: they return normalised results
 * and the owning service applies transitions. Checkout, status and refund methods are added by
 * the issues that need them.
 */
export interface PaymentProvider {
  /** Registry key and the `provider` value of the API. */
  readonly name: string;
  /** Human name for pages and the supported-providers catalogue. */
  readonly displayName: string;
  readonly credentialFields: readonly CredentialField[];
  readonly capabilities: ProviderCapabilities;
  /** The currencies an invoice may be in with this provider (`amount` in their minor units). */
  readonly currencies: readonly Currency[];
  /**
   * The callback routes a business pastes into the provider's cabinet, as label → path below
   * `/api/callbacks/<provider>/<merchantAccountId>` ('' is that base path itself).
   */
  readonly callbackPaths: Readonly<Record<string, string>>;
  /**
   * Whether an invoice needs fiscal receipt lines (`ofd`) to be paid with this provider: creating
   * one without them is refused, and the cashier offers the provider only when they were sent.
   * Unset: not required.
   */
  readonly receiptRequired?: boolean;
  /**
   * Whether the provider's checkout can outlive the invoice (its minimum lifetime is longer than
   * an invoice's may be) and takes payments without asking us: the expiry sweep then annuls it
   * (`cancelCheckout`) once the invoice has expired. Unset: not needed.
   */
  readonly annulCheckoutOnExpiry?: boolean;

  /**
   * What is wrong with an invoice for this provider's own limits (an amount over its maximum...),
   * checked at create before anything is recorded; each string names the limit. Unset: none.
   */
  invoiceProblems?(invoice: Pick<CheckoutInvoice, 'amount' | 'currency' | 'capture'>): string[];
  /** The checkout, computed locally without a network call. */
  buildCheckout?(invoice: CheckoutInvoice, ctx: ProviderContext): CheckoutResult;
  /** The checkout, created at the provider over HTTP. Throws ProviderError. */
  createCheckout?(invoice: CheckoutInvoice, ctx: ProviderContext): Promise<CheckoutResult>;
  /**
   * The HTML of the page a buyer opens at `/pay/<invoice id>`, for a provider whose checkout is
   * a page of ours (an app's QR code and instructions); null when the invoice has none. Providers
   * without it answer that URL with the not-found page.
   */
  buyerPage?(
    invoice: Invoice,
    lang: PageLanguage,
    request?: BuyerPageRequest,
  ): Promise<string | null>;
  /**
   * What is wrong with a business's credentials beyond their presence, found by asking the
   * provider (its instance answers, the key is accepted), checked at registration before anything
   * is stored: each string is a 400 detail. Unset: nothing is asked.
   */
  credentialProblems?(credentials: Credentials): Promise<string[]>;
  /**
   * Annuls the provider's side of an unpaid invoice (`invoiceId`: ours, for a provider that keys
   * its calls on it). Throws ProviderError.
   */
  cancelCheckout?(providerRef: string, ctx: ProviderContext, invoiceId: string): Promise<void>;
  /**
   * Returns money of a paid payment (capabilities.refund says how much at once). Resolves when the
   * provider confirmed it; throws ProviderError otherwise (`declined`: it surely did not happen).
   */
  refund?(order: RefundOrder, ctx: ProviderContext): Promise<void>;
  /**
   * Reads a refund made by refund() whose outcome was not final (a refund that is a transfer the
   * provider settles later). Without it, refund recovery judges from lookupPayment.
   */
  lookupRefund?(
    refund: RefundReference,
    ctx: ProviderContext,
  ): Promise<'succeeded' | 'failed' | 'processing' | 'not_found'>;
  /** What is wrong with a refund request for this provider, checked before anything is recorded. */
  refundProblems?(order: RefundOrder, ctx: ProviderContext): string[];
  /**
   * Captures `order.amount` of a held payment and releases the rest (capabilities.hold). Resolves
   * when the provider confirmed it; throws ProviderError otherwise (`declined`: it surely did not
   * happen; anything else is unclear and is read again later).
   */
  captureHold?(order: CaptureOrder, ctx: ProviderContext): Promise<void>;
  /** Releases a held payment without taking any of it (capabilities.hold); errors as captureHold. */
  voidHold?(payment: PaymentReference, ctx: ProviderContext): Promise<void>;
  /**
   * What is wrong with a payout for this provider (a missing KYC above its threshold...), checked
   * before anything is recorded or sent. Unset: nothing.
   */
  payoutProblems?(order: PayoutOrder): string[];
  /**
   * What the merchant account's credentials lack for payouts (e.g. a separate payout login),
   * checked at create once the account is known: each entry a 400 before any call.
   */
  payoutCredentialProblems?(credentials: Credentials): string[];
  /**
   * Sends money out (capabilities.payout): called at most once per payout. Resolves with what the
   * provider answered; throws ProviderError (`declined`: it surely did not happen; anything else
   * is unclear, and the payout is only read again, with lookupPayout).
   */
  payout?(order: PayoutOrder, ctx: ProviderContext): Promise<PayoutOutcome>;
  /** Reads a payout sent before (capabilities.payout). Throws ProviderError. */
  lookupPayout?(payout: PayoutReference, ctx: ProviderContext): Promise<PayoutOutcome>;
  /** Asks the provider about a payment (capabilities.statusLookup). Throws ProviderError. */
  lookupPayment?(payment: PaymentReference, ctx: ProviderContext): Promise<PaymentLookup>;
}
