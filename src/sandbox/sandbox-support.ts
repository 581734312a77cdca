import { Injectable } from '@nestjs/common';
import { Credentials } from '../merchants/credentials-cipher';
import { MerchantAccount } from '../merchants/merchant-account.entity';
import { MerchantsService } from '../merchants/merchants.service';

/** "YYYY-MM-DD HH:mm:ss" in Tashkent time (GMT+5), the format Uzbek providers send. */
export function tashkentTime(date: Date): string {
  return new Date(date.getTime() + 5 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
}

export interface SandboxHttpResult {
  status: number;
  body: Record<string, unknown> | null;
}

/**
 * What the emulators share. A real provider knows each merchant's secrets because the merchant
 * set them up in its cabinet; the emulators find them among the merchant accounts registered in
 * sandbox mode, and only those: a sandbox instance pointed at a live database must never sign a
 * callback with a real merchant's secret.
 */
@Injectable()
export class SandboxSupport {
  constructor(private readonly merchants: MerchantsService) {}

  /** The first sandbox account of `provider` whose credentials satisfy `matches`. */
  async findAccount(
    provider: string,
    matches: (credentials: Credentials) => boolean,
  ): Promise<{ account: MerchantAccount; credentials: Credentials } | null> {
    for (const account of await this.merchants.sandboxAccounts(provider)) {
      const credentials = this.merchants.openCredentials(account);
      if (matches(credentials)) return { account, credentials };
    }
    return null;
  }

  /** The account, when it was registered in sandbox mode. */
  async accountById(
    id: string,
  ): Promise<{ account: MerchantAccount; credentials: Credentials } | null> {
    const account = await this.merchants.findSandboxAccount(id);
    return account ? { account, credentials: this.merchants.openCredentials(account) } : null;
  }

  /** Calls the gateway over HTTP exactly as the provider would. */
  async post(
    url: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<SandboxHttpResult> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      let parsed: Record<string, unknown> | null = null;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = null;
      }
      return { status: response.status, body: parsed };
    } catch {
      return { status: 0, body: null };
    }
  }
}
