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
}
