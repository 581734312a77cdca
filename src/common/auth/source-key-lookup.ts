/** A source API key as the guard needs it: which key, for which source. */
export interface SourceKey {
  keyId: string;
  source: string;
}

/**
 * Resolves a presented secret to its live source key (null: unknown or revoked). Implemented by
 * the ApiKeys module (ApiKeysService); an abstract class so the guard in common/ does not import
 * a feature module, and so that it is a DI token.
 */
export abstract class SourceKeyLookup {
  abstract find(secret: string): Promise<SourceKey | null>;

  /**
   * Whether `secret` is a live key this instance found lately (its cache; no database): what the
   * rate limiter asks, before the guard looks the key up, to count the call in the app's budget.
   */
  abstract recognised(secret: string): boolean;
}
