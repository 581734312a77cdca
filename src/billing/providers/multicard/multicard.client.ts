import { createHash } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';

import { MULTICARD_SETTINGS } from './multicard.config';
import {
  MulticardAuthResponse,
  MulticardEnvelope,
  multicardErrorMessage,
  parseMulticardExpiry,
} from './multicard.transformers';
import { APP_CONFIG, AppConfig } from '../../../config/app-config';
import { providerUpstreams } from '../../../config/provider-settings';
import { ProviderHttpResponse, providerFetch } from '../../provider-http';
import { ProviderStatus } from '../../provider-status';
import { ProviderError } from '../../provider.error';

export interface MulticardCredentials {
  applicationId: string;
  secret: string;
}

interface CachedToken {
  token: string;
  /** Refresh from this moment on (before the provider's expiry). */
  refreshAt: number;
}

/** Refresh this long before the provider's stated expiry; without one, after 23 hours. */
const REFRESH_MARGIN_MS = 5 * 60_000;
const FALLBACK_LIFETIME_MS = 23 * 60 * 60_000;

/**
 * Multicard's REST API over real HTTP: `/auth` tokens cached per application and refreshed before
 * expiry and once on a 401; every call bounded by PROVIDER_TIMEOUT_MS. Failures become
 * ProviderError with Multicard's own message.
 */
@Injectable()
export class MulticardClient {
  private readonly logger = new Logger(MulticardClient.name);
  private readonly tokens = new Map<string, Promise<CachedToken>>();

  /** The API's base URL, without a trailing slash. */
  private readonly apiUrl: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly status: ProviderStatus,
  ) {
    this.apiUrl = providerUpstreams(config, MULTICARD_SETTINGS).apiUrl;
  }

  async call<T>(
    credentials: MulticardCredentials,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    let token = await this.token(credentials);
    let response = await this.send(method, path, body, token);
    if (response.status === 401) {
      this.tokens.delete(this.cacheKey(credentials));
      token = await this.token(credentials);
      response = await this.send(method, path, body, token);
    }
    const envelope = response.body as MulticardEnvelope<T> | null;
    if (response.status >= 500) {
      throw new ProviderError(
        'multicard',
        'unavailable',
        `HTTP ${response.status}: ${multicardErrorMessage(response.body).message}`,
      );
    }
    if (envelope?.success !== true) {
      const { message, code } = multicardErrorMessage(response.body);
      throw new ProviderError(
        'multicard',
        response.body === null ? 'bad_response' : 'declined',
        message,
        code,
      );
    }
    return envelope.data as T;
  }

  private cacheKey(credentials: MulticardCredentials): string {
    return `${credentials.applicationId}:${createHash('sha256').update(credentials.secret).digest('hex')}`;
  }

  /** One /auth in flight per application; callers share its answer. */
  private async token(credentials: MulticardCredentials): Promise<string> {
    const key = this.cacheKey(credentials);
    const cached = this.tokens.get(key);
    if (cached) {
      const value = await cached.catch(() => null);
      if (value && Date.now() < value.refreshAt) return value.token;
      if (this.tokens.get(key) === cached) this.tokens.delete(key);
      else return this.token(credentials);
    }
    const pending = this.authenticate(credentials);
    this.tokens.set(key, pending);
    pending.catch(() => this.tokens.get(key) === pending && this.tokens.delete(key));
    return (await pending).token;
  }

  private async authenticate(credentials: MulticardCredentials): Promise<CachedToken> {
    const response = await this.send('POST', '/auth', {
      application_id: credentials.applicationId,
      secret: credentials.secret,
    });
    const body = response.body as MulticardAuthResponse | null;
    if (response.status !== 200 || !body?.token) {
      const { message } = multicardErrorMessage(response.body);
      throw new ProviderError(
        'multicard',
        response.status >= 500 ? 'unavailable' : 'declined',
        `auth failed: ${message}`,
      );
    }
    const expiry = parseMulticardExpiry(body.expiry);
    const refreshAt = expiry
      ? expiry.getTime() - REFRESH_MARGIN_MS
      : Date.now() + FALLBACK_LIFETIME_MS;
    this.logger.log({ applicationId: credentials.applicationId }, 'Multicard token obtained');
    return { token: body.token, refreshAt };
  }

  private send(
    method: string,
    path: string,
    body: unknown,
    token?: string,
  ): Promise<ProviderHttpResponse> {
    return providerFetch('multicard', `${this.apiUrl}${path}`, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      body,
      timeoutMs: this.config.providers.timeoutMs,
      observer: this.status,
    });
  }
}
