import { clientSubject } from './client-subject';

describe('clientSubject', () => {
  it('keeps IPv4 addresses as they are', () => {
    expect(clientSubject('203.0.113.7')).toBe('203.0.113.7');
    expect(clientSubject('127.0.0.1')).toBe('127.0.0.1');
  });

  it('counts an IPv6 address by its /64, however it is written', () => {
    const subject = '2001:db8:85a3:12::/64';
    expect(clientSubject('2001:db8:85a3:12::1')).toBe(subject);
    expect(clientSubject('2001:0DB8:85A3:0012:ffff:ffff:ffff:ffff')).toBe(subject);
    expect(clientSubject('2001:db8:85a3:12:0:0:0:0')).toBe(subject);
    expect(clientSubject('2001:db8:85a3:13::1')).not.toBe(subject);
    expect(clientSubject('::1')).toBe('0:0:0:0::/64');
    expect(clientSubject('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientSubject('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(clientSubject('::')).toBe('0:0:0:0::/64');
    expect(clientSubject('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(clientSubject('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientSubject('::FFFF:203.0.113.7')).toBe('203.0.113.7');
  });

  it('passes anything that is not an address through unchanged', () => {
    expect(clientSubject('')).toBe('');
    expect(clientSubject('not-an-ip')).toBe('not-an-ip');
  });
});
