import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';

import { BillingModule } from './billing.module';
import { PAYMENT_PROVIDERS } from './billing.tokens';
import { PaymentProvider } from './payment-provider.interface';
import { PaymentProviderRegistry } from './payment-provider.registry';
import { REGISTERED_PROVIDERS } from './providers/registered-providers';
import { DomainError } from '../common/errors/domain.error';
import { APP_CONFIG } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/load-config';
import { Metrics } from '../metrics/metrics';

/** The series the billing module counts on, without the app's /metrics listener. */
@Global()
@Module({
  providers: [{ provide: Metrics, useFactory: () => new Metrics(new Registry()) }],
  exports: [Metrics],
})
class SeriesOnlyModule {}

const fake = (name: string): PaymentProvider => ({
  name,
  displayName: name,
  credentialFields: [],
  capabilities: { refund: 'none', statusLookup: false, checkout: 'redirect', hold: false },
  currencies: ['UZS'],
  callbackPaths: {},
});

describe('PaymentProviderRegistry', () => {
  it('registers every plugin of the list through the multi-provider token, in its order', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(loadConfig({})),
        SeriesOnlyModule,
        BillingModule.forRoot(REGISTERED_PROVIDERS),
      ],
    }).compile();
    await moduleRef.init();
    const registry = moduleRef.get(PaymentProviderRegistry);
    const strategies = REGISTERED_PROVIDERS.map((plugin) => moduleRef.get(plugin.billing.strategy));
    expect(registry.list()).toEqual(strategies);
    expect(new Set(registry.names()).size).toBe(REGISTERED_PROVIDERS.length);
    expect(moduleRef.get<PaymentProvider[]>(PAYMENT_PROVIDERS)).toEqual(strategies);
  });

  it('fails the boot on a duplicate name', async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [
        { provide: PAYMENT_PROVIDERS, useValue: [fake('a'), fake('b'), fake('a')] },
        { provide: APP_CONFIG, useValue: loadConfig({}) },
        PaymentProviderRegistry,
      ],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow('Duplicate payment provider name "a"');
  });

  it('names the supported providers for an unknown one and refuses missing capabilities', () => {
    const registry = new PaymentProviderRegistry(
      [
        fake('a'),
        {
          ...fake('b'),
          capabilities: {
            refund: 'partial',
            statusLookup: true,
            checkout: 'redirect',
            hold: false,
          },
        },
      ],
      loadConfig({}),
    );
    registry.onModuleInit();
    expect(() => registry.get('zzz')).toThrow(DomainError);
    expect(() => registry.get('zzz')).toThrow('supported providers: a, b');
    expect(() => registry.require('a', 'refund')).toThrow('does not support refund');
    expect(() => registry.require('a', 'statusLookup')).toThrow('does not support statusLookup');
    expect(registry.require('b', 'refund').name).toBe('b');
  });

  it('PROVIDERS_DISABLED: no new checkouts with a disabled provider, which is still found for its invoices', () => {
    const registry = new PaymentProviderRegistry(
      [fake('a'), fake('b')],
      loadConfig({ PROVIDERS_DISABLED: 'b' }),
    );
    registry.onModuleInit();
    expect(registry.isEnabled('a')).toBe(true);
    expect(registry.isEnabled('b')).toBe(false);
    expect(registry.get('b').name).toBe('b');
    expect(() => registry.forCheckout('b')).toThrow('switched off');
    expect(registry.forCheckout('a').name).toBe('a');
  });

  it('fails the boot when PROVIDERS_DISABLED names an unknown provider', () => {
    const registry = new PaymentProviderRegistry(
      [fake('a')],
      loadConfig({ PROVIDERS_DISABLED: 'zz' }),
    );
    expect(() => registry.onModuleInit()).toThrow(
      'PROVIDERS_DISABLED names unknown providers (zz)',
    );
  });
});
