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
  /**
   * The callback routes a business pastes into the provider's cabinet, as label → path below
   * `/api/callbacks/<provider>/<merchantAccountId>` ('' is that base path itself).
   */
  readonly callbackPaths: Readonly<Record<string, string>>;
}
