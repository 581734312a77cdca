import { LookupAddress, promises as dns } from 'node:dns';
import { isIP } from 'node:net';

import { TtlCache } from '../common/ttl-cache';

/** What the HTTP client asks of a lookup beyond the name (net.connect passes these). */
export interface HostLookupOptions {
  family?: number;
  hints?: number;
}

/** Every address a name resolves to. */
export type ResolveHost = (
  hostname: string,
  options: HostLookupOptions,
) => Promise<LookupAddress[]>;

/** The system resolver, as node's HTTP client uses it: getaddrinfo on libuv's threadpool. */
export const resolveWithGetaddrinfo: ResolveHost = (hostname, options) =>
  dns.lookup(hostname, { family: options.family, hints: options.hints, all: true });

export interface HostResolverOptions {
  resolve?: ResolveHost;
  /** The longest a caller waits for an answer; the lookup itself goes on and its answer is kept. */
  waitMs: number;
  answerTtlMs?: number;
  failureTtlMs?: number;
  maxEntries?: number;
}

const ANSWER_TTL_MS = 30_000;
const FAILURE_TTL_MS = 10_000;
const MAX_ENTRIES = 1_000;

interface Failure {
  message: string;
  code: string | undefined;
  errno: number | undefined;
  syscall: string | undefined;
}

/**
 * Resolves webhook receivers' hosts so that one receiver's broken DNS cannot hold up the others.
 * getaddrinfo runs on libuv's threadpool (4 threads), and a name that does not resolve can take the
 * resolver's whole timeout (5 s and more): one lookup per connection would let a single broken
 * receiver fill the pool, and every other receiver's new connection (and fs, crypto) would wait.
 * So concurrent lookups of one name share one call, answers are kept for a short while (failures
 * for less), and a caller waits at most `waitMs`. Only the raw addresses are kept: the caller
 * judges them (the SSRF policy) on every use.
 *
 * Literal IPs and `localhost` are resolved as before, uncached (they never wait on DNS).
 */
export class HostResolver {
  private readonly resolve: ResolveHost;
  private readonly answers: TtlCache<string, LookupAddress[]>;
  private readonly failures: TtlCache<string, Failure>;
  private readonly inFlight = new Map<string, Promise<LookupAddress[]>>();

  constructor(private readonly options: HostResolverOptions) {
    this.resolve = options.resolve ?? resolveWithGetaddrinfo;
    const maxEntries = options.maxEntries ?? MAX_ENTRIES;
    this.answers = new TtlCache(options.answerTtlMs ?? ANSWER_TTL_MS, maxEntries);
    this.failures = new TtlCache(options.failureTtlMs ?? FAILURE_TTL_MS, maxEntries);
  }

  async lookup(hostname: string, options: HostLookupOptions = {}): Promise<LookupAddress[]> {
    if (isIP(hostname) !== 0 || hostname.toLowerCase() === 'localhost')
      return this.resolve(hostname, options);
    const key = `${options.family ?? 0}/${options.hints ?? 0}/${hostname.toLowerCase()}`;
    const answer = this.answers.get(key);
    if (answer) return copy(answer);
    const failure = this.failures.get(key);
    if (failure) throw toError(failure);
    return copy(await this.wait(key, hostname, this.started(key, hostname, options)));
  }

  /** The lookup of `key` under way, or a new one. */
  private started(
    key: string,
    hostname: string,
    options: HostLookupOptions,
  ): Promise<LookupAddress[]> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const lookup = this.resolve(hostname, { family: options.family, hints: options.hints })
      .then(
        (addresses) => {
          this.failures.delete(key);
          this.answers.set(key, addresses);
          return addresses;
        },
        (error: NodeJS.ErrnoException) => {
          this.failures.set(key, failureOf(error));
          throw error;
        },
      )
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, lookup);
    return lookup;
  }

  /** `lookup`'s answer, or a timeout (remembered as a failure) after `waitMs`. */
  private wait(
    key: string,
    hostname: string,
    lookup: Promise<LookupAddress[]>,
  ): Promise<LookupAddress[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const failure: Failure = {
          message: `DNS lookup of ${hostname} took longer than ${this.options.waitMs} ms`,
          code: dns.TIMEOUT,
          errno: undefined,
          syscall: 'getaddrinfo',
        };
        // The lookup goes on: its answer, when it comes, replaces this.
        this.failures.set(key, failure);
        reject(toError(failure));
      }, this.options.waitMs);
      lookup.then(
        (addresses) => {
          clearTimeout(timer);
          resolve(addresses);
        },
        (error: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          reject(toError(failureOf(error)));
        },
      );
    });
  }
}

function copy(addresses: LookupAddress[]): LookupAddress[] {
  return addresses.map((a) => ({ address: a.address, family: a.family }));
}

function failureOf(error: NodeJS.ErrnoException): Failure {
  return { message: error.message, code: error.code, errno: error.errno, syscall: error.syscall };
}

/** A fresh error per caller: the HTTP client may annotate the one it gets. */
function toError(failure: Failure): NodeJS.ErrnoException {
  return Object.assign(new Error(failure.message), {
    code: failure.code,
    errno: failure.errno,
    syscall: failure.syscall,
  });
}
