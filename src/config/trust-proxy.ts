import { isIP } from 'node:net';

/**
 * Which proxies' X-Forwarded-For the service believes (Fastify's `trustProxy`): `false` for none
 * (the client is the TCP peer), a number of proxy hops in front of the service, or the addresses
 * and CIDR ranges of those proxies. Never "everyone", which would let any client name its own
 * address and with it step past every per-client limit.
 */
export type TrustProxy = false | number | string[];

/** proxy-addr's names for the usual private ranges. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];
const MAX_HOPS = 10;

/** Parses TRUST_PROXY; a problem is pushed (and `false` returned) when it makes no sense. */
export function parseTrustProxy(text: string | undefined, problems: string[]): TrustProxy {
  const value = (text ?? '').trim();
  if (value === '' || /^(false|no|off)$/i.test(value)) return false;
  if (/^(true|yes|on)$/i.test(value)) {
    problems.push(
      `TRUST_PROXY=${value} would trust every client to name its own address in X-Forwarded-For; ` +
        'give the hop count of the proxies in front of the service (e.g. 1) or their addresses as ' +
        'IPs or CIDR ranges (e.g. 10.0.0.0/8,127.0.0.1)',
    );
    return false;
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > MAX_HOPS) {
      problems.push(`TRUST_PROXY hop count must be between 0 and ${MAX_HOPS}`);
      return false;
    }
    return hops === 0 ? false : hops;
  }
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const before = problems.length;
  for (const entry of entries) {
    const problem = entryProblem(entry);
    if (problem) problems.push(`TRUST_PROXY entry "${entry}" ${problem}`);
  }
  return problems.length === before ? entries : false;
}

function entryProblem(entry: string): string | null {
  if (NAMED_RANGES.includes(entry)) return null;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  const valid =
    family !== 0 &&
    rest.length === 0 &&
    (prefix === undefined ||
      (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)));
  if (!valid) return `is not an IP address, a CIDR range or one of ${NAMED_RANGES.join(', ')}`;
  if (prefix !== undefined && Number(prefix) === 0) return 'would trust every client';
  return null;
}
