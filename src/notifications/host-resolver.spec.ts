import type { LookupAddress } from 'node:dns';

import { HostLookupOptions, HostResolver } from './host-resolver';
import { NotifyUrlPolicy, guardedLookup } from './notify-url.guard';

/** A resolver the test answers by hand, counting what it was asked. */
class ScriptedResolver {
  readonly calls: Array<{ hostname: string; options: HostLookupOptions }> = [];
  private readonly pending: Array<{
    hostname: string;
    resolve: (addresses: LookupAddress[]) => void;
    reject: (error: Error) => void;
  }> = [];

  readonly resolve = (hostname: string, options: HostLookupOptions): Promise<LookupAddress[]> => {
    this.calls.push({ hostname, options });
    return new Promise((resolve, reject) => this.pending.push({ hostname, resolve, reject }));
  };

  callsFor(hostname: string): number {
    return this.calls.filter((c) => c.hostname === hostname).length;
  }

  isPending(hostname: string): boolean {
    return this.pending.some((p) => p.hostname === hostname);
  }

  answer(hostname: string, ...addresses: string[]): void {
    this.take(hostname).resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  }

  fail(hostname: string, code: string): void {
    this.take(hostname).reject(
      Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), { code, syscall: 'getaddrinfo' }),
    );
  }

  private take(hostname: string) {
    const index = this.pending.findIndex((p) => p.hostname === hostname);
    if (index < 0) throw new Error(`no lookup of ${hostname} is pending`);
    return this.pending.splice(index, 1)[0];
  }
}

const settled = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ value }),
    (error: NodeJS.ErrnoException) => ({ code: error.code, message: error.message }),
  );

describe('HostResolver: shared, cached and bounded lookups', () => {
  let resolver: ScriptedResolver;
  let hosts: HostResolver;

  beforeEach(() => {
    jest.useFakeTimers();
    resolver = new ScriptedResolver();
    hosts = new HostResolver({
      resolve: resolver.resolve,
      waitMs: 5_000,
      answerTtlMs: 30_000,
      failureTtlMs: 10_000,
    });
  });
  afterEach(() => jest.useRealTimers());

  it('asks the resolver once for many concurrent lookups of one name, and answers all of them', async () => {
    const lookups = Array.from({ length: 50 }, () => hosts.lookup('shop.example', { hints: 32 }));
    await jest.advanceTimersByTimeAsync(0);
    expect(resolver.calls).toEqual([{ hostname: 'shop.example', options: { hints: 32 } }]);

    resolver.answer('shop.example', '93.184.215.14', '2606:2800:21f:cb07::1');
    const answers = await Promise.all(lookups);
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
      new Set([
        JSON.stringify([
          { address: '93.184.215.14', family: 4 },
          { address: '2606:2800:21f:cb07::1', family: 6 },
        ]),
      ]),
    );
  });

  it('keeps lookups of different families or hints apart, and names case-insensitively', async () => {
    const v4 = hosts.lookup('shop.example', { family: 4 });
    const v6 = hosts.lookup('shop.example', { family: 6 });
    const upper = hosts.lookup('SHOP.example', { family: 4 });
    await jest.advanceTimersByTimeAsync(0);
    expect(resolver.calls.map((c) => c.options)).toEqual([{ family: 4 }, { family: 6 }]);
    resolver.answer('shop.example', '93.184.215.14');
    resolver.answer('shop.example', '2606:2800:21f:cb07::1');
    expect(await upper).toEqual(await v4);
    expect(await v6).toEqual([{ address: '2606:2800:21f:cb07::1', family: 6 }]);
  });

  it('serves an answer from the cache for its TTL, then looks the name up again', async () => {
    const first = hosts.lookup('shop.example');
    await jest.advanceTimersByTimeAsync(0);
    resolver.answer('shop.example', '93.184.215.14');
    await first;

    await jest.advanceTimersByTimeAsync(29_000);
    expect(await hosts.lookup('shop.example')).toEqual([{ address: '93.184.215.14', family: 4 }]);
    expect(resolver.callsFor('shop.example')).toBe(1);

    await jest.advanceTimersByTimeAsync(1_000);
    const later = hosts.lookup('shop.example');
    await jest.advanceTimersByTimeAsync(0);
    expect(resolver.callsFor('shop.example')).toBe(2);
    resolver.answer('shop.example', '93.184.215.15');
    expect(await later).toEqual([{ address: '93.184.215.15', family: 4 }]);
  });

  it('reuses a failure for its TTL, then asks again', async () => {
    const first = settled(hosts.lookup('gone.example'));
    await jest.advanceTimersByTimeAsync(0);
    resolver.fail('gone.example', 'ENOTFOUND');
    expect(await first).toEqual({
      code: 'ENOTFOUND',
      message: 'getaddrinfo ENOTFOUND gone.example',
    });

    await jest.advanceTimersByTimeAsync(9_000);
    expect(await settled(hosts.lookup('gone.example'))).toEqual(await first);
    expect(resolver.callsFor('gone.example')).toBe(1);

    await jest.advanceTimersByTimeAsync(1_000);
    const retried = settled(hosts.lookup('gone.example'));
    await jest.advanceTimersByTimeAsync(0);
    expect(resolver.callsFor('gone.example')).toBe(2);
    resolver.answer('gone.example', '93.184.215.14');
    expect(await retried).toEqual({ value: [{ address: '93.184.215.14', family: 4 }] });
  });

  it('fails a lookup the resolver does not answer within the bound, and never starts a second one for that name', async () => {
    const stuck = settled(hosts.lookup('slow.example'));
    await jest.advanceTimersByTimeAsync(4_999);
    const early = await Promise.race([stuck, Promise.resolve('still waiting')]);
    expect(early).toBe('still waiting');
    await jest.advanceTimersByTimeAsync(1);
    expect(await stuck).toEqual({
      code: 'ETIMEOUT',
      message: 'DNS lookup of slow.example took longer than 5000 ms',
    });

    // Within the failure's TTL: failed at once.
    const within = settled(hosts.lookup('slow.example'));
    await jest.advanceTimersByTimeAsync(0);
    expect(await Promise.race([within, Promise.resolve('still waiting')])).toMatchObject({
      code: 'ETIMEOUT',
    });
    // Past it, the lookup still under way is joined rather than doubled, and its answer serves.
    await jest.advanceTimersByTimeAsync(10_000);
    const joined = settled(hosts.lookup('slow.example'));
    await jest.advanceTimersByTimeAsync(0);
    expect(resolver.callsFor('slow.example')).toBe(1);
    resolver.answer('slow.example', '93.184.215.14');
    expect(await joined).toEqual({ value: [{ address: '93.184.215.14', family: 4 }] });
    expect(await hosts.lookup('slow.example')).toEqual([{ address: '93.184.215.14', family: 4 }]);
    expect(resolver.callsFor('slow.example')).toBe(1);
  });

  it('resolves literal IPs and localhost as before: every time, uncached', async () => {
    for (const name of ['127.0.0.1', '::1', 'localhost', 'localhost']) {
      const lookup = hosts.lookup(name);
      await jest.advanceTimersByTimeAsync(0);
      resolver.answer(name, name === 'localhost' ? '127.0.0.1' : name);
      await lookup;
    }
    expect(resolver.calls.map((c) => c.hostname)).toEqual([
      '127.0.0.1',
      '::1',
      'localhost',
      'localhost',
    ]);
  });

  it('keeps a bounded number of answers', async () => {
    hosts = new HostResolver({ resolve: resolver.resolve, waitMs: 5_000, maxEntries: 2 });
    for (const name of ['a.example', 'b.example', 'c.example', 'a.example']) {
      const lookup = hosts.lookup(name);
      await jest.advanceTimersByTimeAsync(0);
      if (resolver.isPending(name)) resolver.answer(name, '93.184.215.14');
      await lookup;
    }
    // a.example was the oldest of three: dropped, so asked again.
    expect(resolver.calls.map((c) => c.hostname)).toEqual([
      'a.example',
      'b.example',
      'c.example',
      'a.example',
    ]);
  });
});

describe('guardedLookup over a cached resolver: the policy judges every use', () => {
  const live: NotifyUrlPolicy = { strict: true, allowedHosts: [] };
  const sandbox: NotifyUrlPolicy = { strict: false, allowedHosts: [] };
  const allowListed: NotifyUrlPolicy = { strict: true, allowedHosts: ['hooks.internal.example'] };

  function lookupWith(
    policy: NotifyUrlPolicy,
    hosts: HostResolver,
    hostname: string,
    all: boolean,
  ): Promise<{ code?: string; address?: unknown; family?: number }> {
    const lookup = guardedLookup(policy, (name, options) => hosts.lookup(name, options));
    return new Promise((resolve) =>
      lookup(hostname, { all } as HostLookupOptions, (error, address, family) =>
        resolve(error ? { code: error.code } : { address, family }),
      ),
    );
  }

  it('refuses or allows the same cached answer by the policy of each call', async () => {
    const resolver = new ScriptedResolver();
    const hosts = new HostResolver({ resolve: resolver.resolve, waitMs: 5_000 });
    const first = lookupWith(sandbox, hosts, 'hooks.internal.example', true);
    await new Promise((resolve) => setImmediate(resolve));
    resolver.answer('hooks.internal.example', '10.0.0.7', '93.184.215.14', '127.0.0.1');

    expect(await first).toEqual({
      address: [
        { address: '10.0.0.7', family: 4 },
        { address: '93.184.215.14', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
      family: undefined,
    });
    // Live mode, the same cached answer: only the public address may be connected to.
    expect(await lookupWith(live, hosts, 'hooks.internal.example', true)).toEqual({
      address: [{ address: '93.184.215.14', family: 4 }],
      family: undefined,
    });
    expect(await lookupWith(live, hosts, 'hooks.internal.example', false)).toEqual({
      address: '93.184.215.14',
      family: 4,
    });
    // Allow-listed host: all of them, first one first.
    expect(await lookupWith(allowListed, hosts, 'hooks.internal.example', false)).toEqual({
      address: '10.0.0.7',
      family: 4,
    });
    expect(resolver.callsFor('hooks.internal.example')).toBe(1);
  });

  it('refuses a cached answer of internal addresses only, on every use', async () => {
    const resolver = new ScriptedResolver();
    const hosts = new HostResolver({ resolve: resolver.resolve, waitMs: 5_000 });
    const first = lookupWith(live, hosts, 'rebind.example', true);
    await new Promise((resolve) => setImmediate(resolve));
    resolver.answer('rebind.example', '169.254.169.254');
    expect(await first).toEqual({ code: 'EBLOCKED' });
    expect(await lookupWith(live, hosts, 'rebind.example', false)).toEqual({ code: 'EBLOCKED' });
    expect(await lookupWith(sandbox, hosts, 'rebind.example', false)).toEqual({
      address: '169.254.169.254',
      family: 4,
    });
    expect(resolver.callsFor('rebind.example')).toBe(1);
  });
});
