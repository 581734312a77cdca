import { ConfigError, loadConfig } from './load-config';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('TRUST_PROXY: a hop count or a list of proxy addresses, never "everyone"', () => {
  it('is off by default and for false or 0', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
  });

  it('takes a number of proxy hops', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: ' 2 ' }).trustProxy).toBe(2);
  });

  it('takes a list of addresses, CIDRs and the named ranges', () => {
    expect(
      loadConfig({
        TRUST_PROXY: '10.0.0.0/8, 127.0.0.1 ,fd00::/8,2001:db8::1,loopback,uniquelocal',
      }).trustProxy,
    ).toEqual(['10.0.0.0/8', '127.0.0.1', 'fd00::/8', '2001:db8::1', 'loopback', 'uniquelocal']);
  });

  it('refuses "true" (anyone could then choose their own address), naming what to give instead', () => {
    for (const value of ['true', 'yes', 'on']) {
      expect(problems({ TRUST_PROXY: value })).toEqual([
        expect.stringMatching(/^TRUST_PROXY=.* would trust every client.*hop count.*CIDR/),
      ]);
    }
  });

  it('refuses ranges that take in every address, and entries that are not addresses', () => {
    expect(problems({ TRUST_PROXY: '0.0.0.0/0' })).toEqual([
      expect.stringContaining('TRUST_PROXY entry "0.0.0.0/0" would trust every client'),
    ]);
    expect(problems({ TRUST_PROXY: '10.0.0.0/8,::/0' })).toEqual([
      expect.stringContaining('"::/0"'),
    ]);
    for (const entry of ['10.0.0.0/33', 'proxy.internal', '10.0.0', 'fd00::/129', '1.2.3.4/x']) {
      expect(problems({ TRUST_PROXY: `127.0.0.1,${entry}` })).toEqual([
        `TRUST_PROXY entry "${entry}" is not an IP address, a CIDR range or one of loopback, linklocal, uniquelocal`,
      ]);
    }
    expect(problems({ TRUST_PROXY: '11' })).toEqual([
      'TRUST_PROXY hop count must be between 0 and 10',
    ]);
  });
});
