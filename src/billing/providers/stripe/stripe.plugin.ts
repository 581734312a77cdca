import { StripeCallbacksService } from './stripe-callbacks.service';
import { StripeClients } from './stripe.client';
import { STRIPE_SETTINGS } from './stripe.config';
import { StripeProvider } from './stripe.provider';
import { StripeEmulatorController } from './sandbox/stripe-emulator.controller';
import { StripeEmulator } from './sandbox/stripe-emulator.service';
import { ProviderPlugin } from '../../provider-plugin';

/** Stripe: hosted Checkout Sessions through the official SDK, signed webhook events. */
export const stripePlugin: ProviderPlugin = {
  settings: STRIPE_SETTINGS,
  billing: { strategy: StripeProvider, providers: [StripeClients] },
  callbacks: { handler: StripeCallbacksService },
  sandbox: { controllers: [StripeEmulatorController], providers: [StripeEmulator] },
};
