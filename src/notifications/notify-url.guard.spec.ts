import { isBlockedAddress, notifyUrlProblem } from './notify-url.guard';

describe('notifyUrl guard (SSRF)', () => {
  const live = { strict: true, allowedHosts: [] };
  it('blocks loopback, private, link-local and metadata addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
    ]) {
      expect({ a, blocked: isBlockedAddress(a) }).toEqual({ a, blocked: true });
    }
    for (const a of ['8.8.8.8', '195.158.26.90', '2a00:1450:4001::1'])
      expect(isBlockedAddress(a)).toBe(false);
  });

  it('judges IPv6 forms that carry an IPv4 address by that address: NAT64, 6to4; IPv4-compatible ones are blocked', () => {
    for (const a of [
      '64:ff9b::7f00:1', // NAT64 (RFC 6052) of 127.0.0.1
      '64:ff9b::127.0.0.1',
      '64:ff9b::a9fe:a9fe', // 169.254.169.254, the metadata service
      '64:ff9b::10.1.2.3',
      '64:ff9b::c0a8:101',
      '64:ff9b:1::a00:1', // local-use NAT64 (RFC 8215): the operator's own network
      '::127.0.0.1', // IPv4-compatible (deprecated, RFC 4291)
      '::7f00:1',
      '::a9fe:a9fe',
      '::8.8.8.8',
      '2002:7f00:1::1', // 6to4 of 127.0.0.1
      '2002:a9fe:a9fe::1',
      '::ffff:7f00:1',
    ]) {
      expect({ a, blocked: isBlockedAddress(a) }).toEqual({ a, blocked: true });
    }
    for (const a of ['64:ff9b::808:808', '64:ff9b::195.158.26.90', '2002:808:808::1'])
      expect({ a, blocked: isBlockedAddress(a) }).toEqual({ a, blocked: false });
    expect(notifyUrlProblem('https://[64:ff9b::7f00:1]/hook', live)).toContain('loopback');
    expect(notifyUrlProblem('https://[::a9fe:a9fe]/hook', live)).toContain('metadata');
  });

  it('in live mode: https only, no internal literal hosts, unless allow-listed', () => {
    expect(notifyUrlProblem('https://shop.example/hook', live)).toBeNull();
    expect(notifyUrlProblem('http://shop.example/hook', live)).toBe('must be https in live mode');
    expect(notifyUrlProblem('https://127.0.0.1/hook', live)).toContain('loopback');
    expect(notifyUrlProblem('https://[::1]/hook', live)).toContain('loopback');
    expect(notifyUrlProblem('https://169.254.169.254/latest/meta-data', live)).toContain(
      'metadata',
    );
    expect(notifyUrlProblem('https://localhost/hook', live)).toContain('internal');
    expect(
      notifyUrlProblem('https://10.0.0.5/hook', { strict: true, allowedHosts: ['10.0.0.5'] }),
    ).toBeNull();
  });

  it('in sandbox mode allows localhost over http', () => {
    expect(
      notifyUrlProblem('http://localhost:3000/hook', { strict: false, allowedHosts: [] }),
    ).toBeNull();
    expect(notifyUrlProblem('ftp://x', { strict: false, allowedHosts: [] })).toBe(
      'must be http or https',
    );
  });
});
