import { LookupAddress, lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import type { AppConfig } from '../config/app-config';

/** Addresses a live-mode notifyUrl must not reach: loopback, private, link-local, metadata, unspecified. */
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
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

export function isBlockedAddress(address: string): boolean {
  // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return isBlockedAddress(mapped[1]);
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
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
 * connection use the same resolution (no DNS-rebinding window).
 */
export function guardedLookup(policy: NotifyUrlPolicy) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses;
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
    });
  };
}
