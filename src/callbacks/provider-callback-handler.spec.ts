import { CallbackRoutes, takesRoute } from './provider-callback-handler';
import { ProviderCallbackHandlers } from './provider-callback-handlers';
import { PaymentProvider } from '../billing/payment-provider.interface';

describe('takesRoute: which callback URLs and HTTP methods a handler answers', () => {
  const baseAnyMethod: CallbackRoutes = { '': '*' };
  const namedActions: CallbackRoutes = { prepare: '*', complete: '*' };
  const anyAction: CallbackRoutes = { '*': '*' };
  const postOnly: CallbackRoutes = { '': ['POST'], status: ['POST'] };

  it.each([
    [baseAnyMethod, '', 'POST', true],
    [baseAnyMethod, '', 'GET', true],
    [baseAnyMethod, 'extra', 'POST', false],
    [namedActions, 'prepare', 'GET', true],
    [namedActions, 'complete', 'POST', true],
    [namedActions, '', 'POST', false],
    [namedActions, 'refund', 'POST', false],
    [anyAction, 'anything', 'DELETE', true],
    [anyAction, '', 'POST', false],
    [postOnly, '', 'POST', true],
    [postOnly, 'status', 'POST', true],
    [postOnly, '', 'GET', false],
    [postOnly, 'status', 'PUT', false],
    [postOnly, 'success', 'POST', false],
    [postOnly, 'constructor', 'POST', false],
  ] as const)('%j takes %j by %s: %s', (routes, action, method, expected) => {
    expect(takesRoute(routes, action, method)).toBe(expected);
  });
});

describe('ProviderCallbackHandlers', () => {
  const handler = (provider: string) => ({
    provider,
    routes: {},
    handle: () => Promise.reject(new Error('not called')),
  });
  const strategy = (name: string): PaymentProvider => ({
    name,
    displayName: name,
    credentialFields: [],
    capabilities: { refund: 'none', statusLookup: false, checkout: 'redirect', hold: false },
    currencies: ['UZS'],
    callbackPaths: {},
  });

  it('finds each handler by its provider name and lists them in registration order', () => {
    const handlers = new ProviderCallbackHandlers(
      [handler('a'), handler('b')],
      [strategy('a'), strategy('b')],
    );
    handlers.onModuleInit();
    expect(handlers.find('b')?.provider).toBe('b');
    expect(handlers.find('c')).toBeUndefined();
    expect(handlers.list().map((h) => h.provider)).toEqual(['a', 'b']);
  });

  it('fails the boot when two handlers claim the same provider', () => {
    const handlers = new ProviderCallbackHandlers([handler('a'), handler('a')], [strategy('a')]);
    expect(() => handlers.onModuleInit()).toThrow('Duplicate callback handler for provider "a"');
  });

  it('fails the boot when a payment provider and its handler do not match by name', () => {
    const handlers = new ProviderCallbackHandlers(
      [handler('a'), handler('bb')],
      [strategy('a'), strategy('b')],
    );
    expect(() => handlers.onModuleInit()).toThrow(
      'Payment providers and callback handlers must match by name; unmatched: b, bb',
    );
  });
});
