import { Inject, Injectable, OnModuleInit } from '@nestjs/common';

import { PAYMENT_PROVIDERS } from './billing.tokens';
import { PaymentProvider, ProviderCapabilities } from './payment-provider.interface';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/**
 * Looks providers up by name. Built once at boot; a duplicate name fails the boot, and so does an
 * unknown name in PROVIDERS_DISABLED. A disabled provider takes no new checkouts but still
 * answers callbacks, refunds and lookups of the invoices it already has.
 */
@Injectable()
export class PaymentProviderRegistry implements OnModuleInit {
  private readonly byName = new Map<string, PaymentProvider>();

  constructor(
    @Inject(PAYMENT_PROVIDERS) private readonly providers: PaymentProvider[],
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    for (const provider of this.providers) {
      if (this.byName.has(provider.name)) {
        throw new Error(
          `Duplicate payment provider name "${provider.name}": each provider must be registered once`,
        );
      }
      this.byName.set(provider.name, provider);
    }
    const unknown = this.config.providers.disabled.filter((name) => !this.byName.has(name));
    if (unknown.length > 0)
      throw new Error(
        `PROVIDERS_DISABLED names unknown providers (${unknown.join(', ')}); known: ${this.names().join(', ')}`,
      );
  }

  isEnabled(name: string): boolean {
    return this.byName.has(name) && !this.config.providers.disabled.includes(name);
  }

  /** The provider for a new checkout: it must exist and not be disabled (PROVIDER_DISABLED). */
  forCheckout(name: string): PaymentProvider {
    const provider = this.get(name);
    if (!this.isEnabled(name))
      throw new DomainError(ErrorCode.ProviderDisabled, [
        `${provider.displayName} payments are switched off on this gateway; choose another provider`,
      ]);
    return provider;
  }

  /** Every provider, in registration order. */
  list(): PaymentProvider[] {
    return [...this.byName.values()];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The provider called `name`, or PROVIDER_NOT_SUPPORTED listing the supported ones. */
  get(name: string): PaymentProvider {
    const provider = this.byName.get(name);
    if (!provider) {
      const supported = this.names();
      throw new DomainError(
        ErrorCode.ProviderNotSupported,
        [`provider "${name}" is not supported; supported providers: ${supported.join(', ')}`],
        { supported },
      );
    }
    return provider;
  }

  /** The provider, if it can do `capability` (a refund kind other than 'none', or true). */
  require(name: string, capability: keyof ProviderCapabilities): PaymentProvider {
    const provider = this.get(name);
    const value = provider.capabilities[capability];
    if (value === false || value === 'none') {
      throw new DomainError(ErrorCode.ProviderCapabilityUnsupported, [
        `provider "${name}" does not support ${capability}`,
      ]);
    }
    return provider;
  }
}
