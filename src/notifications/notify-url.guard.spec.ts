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
