import type { LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import type { AppConfig } from '../config/app-config';
import { HostLookupOptions, ResolveHost, resolveWithGetaddrinfo } from './host-resolver';

/**
 * Addresses a live-mode notifyUrl must not reach: loopback, private, link-local, metadata,
 * unspecified, and the IPv6 forms that lead to them (see isBlockedAddress).
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  // IPv4-compatible addresses (deprecated by RFC 4291; `::` and `::1` among them): no legitimate
  // receiver has one, and some stacks route them to the IPv4 address they carry.
  ['::', 96],
  // Local-use NAT64 (RFC 8215): translates into the operator's own network.
  ['64:ff9b:1::', 48],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family !== 6) return true;
  // An IPv6 address that reaches an IPv4 host is judged as that host.
  const carried = carriedIpv4(ipv6Bytes(address));
  if (carried !== null) return isBlockedAddress(carried);
  return BLOCKED.check(address, 'ipv6');
}

/**
 * The IPv4 address an IPv6 address delivers to: IPv4-mapped (`::ffff:a.b.c.d`), the NAT64
 * well-known prefix (`64:ff9b::a.b.c.d`, RFC 6052: translated statelessly to a.b.c.d) and 6to4
 * (`2002:AABB:CCDD::`, relayed to AA.BB.CC.DD). Null for other addresses.
 */
function carriedIpv4(bytes: Buffer): string | null {
  const ipv4At = (offset: number) => [...bytes.subarray(offset, offset + 4)].join('.');
  const zeros = (from: number, to: number) => bytes.subarray(from, to).every((b) => b === 0);
  if (zeros(0, 10) && bytes.readUInt16BE(10) === 0xffff) return ipv4At(12);
  if (bytes.readUInt32BE(0) === 0x0064ff9b && zeros(4, 12)) return ipv4At(12);
  if (bytes.readUInt16BE(0) === 0x2002) return ipv4At(2);
  return null;
}

/** The 16 bytes of a valid IPv6 address in any textual form (`::`, a dotted IPv4 tail, a zone). */
function ipv6Bytes(address: string): Buffer {
  let text = address.split('%')[0];
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number);
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = groups(rest);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

export interface NotifyUrlPolicy {
  /** Live mode: https only, and never an internal address. Sandbox: anything http(s). */
  strict: boolean;
  allowedHosts: readonly string[];
}

/** The policy of this gateway: strict in live mode, with WEBHOOK_ALLOWED_HOSTS as exceptions. */
export function notifyUrlPolicy(config: AppConfig): NotifyUrlPolicy {
  return { strict: config.mode === 'live', allowedHosts: config.webhooks.allowedHosts };
}

/** Refuses (400 VALIDATION_ERROR) a notifyUrl the gateway would not call. */
export function assertNotifyUrl(url: string, config: AppConfig): void {
  const problem = notifyUrlProblem(url, notifyUrlPolicy(config));
  if (problem) throw new DomainError(ErrorCode.ValidationError, [`notifyUrl ${problem}`]);
}

/** Why `url` may not be called, or null when it may (the address check happens at connect time). */
export function notifyUrlProblem(url: string, policy: NotifyUrlPolicy): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be http or https';
  if (!policy.strict || policy.allowedHosts.includes(parsed.hostname.toLowerCase())) return null;
  if (parsed.protocol !== 'https:') return 'must be https in live mode';
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && isBlockedAddress(host))
    return 'must not point at a loopback, private, link-local or metadata address';
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal'))
    return 'must not point at an internal host';
  return null;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A DNS lookup for the HTTP client that refuses internal addresses, so the check and the
 * connection use the same resolution (no DNS-rebinding window). The policy judges the addresses
 * on every call, also when `lookupAll` answers from a cache.
 */
export function guardedLookup(
  policy: NotifyUrlPolicy,
  lookupAll: ResolveHost = resolveWithGetaddrinfo,
) {
  return (hostname: string, options: HostLookupOptions, callback: LookupCallback): void => {
    const judge = (list: LookupAddress[]): void => {
      const allowed = !policy.strict || policy.allowedHosts.includes(hostname.toLowerCase());
      const usable = allowed ? list : list.filter((a) => !isBlockedAddress(a.address));
      if (usable.length === 0) {
        const refusal = Object.assign(
          new Error(`${hostname} resolves only to internal addresses`),
          { code: 'EBLOCKED' },
        );
        return callback(refusal, []);
      }
      const all = (options as { all?: boolean }).all;
      if (all) return callback(null, usable);
      return callback(null, usable[0].address, usable[0].family);
    };
    lookupAll(hostname, { family: options.family, hints: options.hints }).then(judge, (error) =>
      callback(error as NodeJS.ErrnoException, []),
    );
  };
}
