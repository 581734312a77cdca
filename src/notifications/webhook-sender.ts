import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

import { HostResolver, ResolveHost } from './host-resolver';
import { NotifyUrlPolicy, guardedLookup } from './notify-url.guard';

export interface DeliveryResult {
  status: number | null;
  /** At most 1 KB of the response body. */
  snippet: string | null;
  error: string | null;
  durationMs: number;
  retryAfter: string | undefined;
}

export interface WebhookSenderOptions {
  /** How hosts are resolved (getaddrinfo unless a test says otherwise). */
  resolve?: ResolveHost;
  /** The longest a delivery waits for its host's addresses. */
  lookupWaitMs?: number;
}

/**
 * A delivery waits at most this long for DNS (or its timeout, if shorter): long enough for a
 * slow answer, short of the system resolver's own retries on a dead name. The lookup goes on and
 * its answer serves the retry.
 */
const LOOKUP_WAIT_MS = 5_000;
const SNIPPET_BYTES = 1024;
/** Past this much of an answer's body we stop reading it: its status is all that counts. */
const MAX_READ_BYTES = 64 * 1024;
const ERROR_CHARS = 500;
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * What a receiver answered, made safe to store whatever its bytes were: decoded as UTF-8 (invalid
 * sequences become U+FFFD), control characters but tab and line breaks dropped (PostgreSQL text
 * and jsonb refuse NUL), no lone surrogates, at most `maxChars` characters.
 */
export function storableText(text: string, maxChars: number): string {
  const cut = text.replace(UNSTORABLE, '').slice(0, maxChars);
  return cut.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * POSTs webhook bodies over keep-alive connections, with a timeout, without following redirects,
 * resolving hosts through the SSRF guard (lookups shared, cached and bounded by a HostResolver, so
 * a receiver with broken DNS delays only itself). One instance per process.
 */
export class WebhookSender {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;

  constructor(
    private readonly timeoutMs: number,
    policy: NotifyUrlPolicy,
    maxSockets: number,
    options: WebhookSenderOptions = {},
  ) {
    const hosts = new HostResolver({
      resolve: options.resolve,
      waitMs: options.lookupWaitMs ?? Math.min(timeoutMs, LOOKUP_WAIT_MS),
    });
    const lookup = guardedLookup(policy, (hostname, lookupOptions) =>
      hosts.lookup(hostname, lookupOptions),
    ) as never;
    this.http = new HttpAgent({ keepAlive: true, maxSockets, lookup });
    this.https = new HttpsAgent({ keepAlive: true, maxSockets, lookup });
  }

  send(url: string, headers: Record<string, string>, body: string): Promise<DeliveryResult> {
    const started = Date.now();
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: Omit<DeliveryResult, 'durationMs'>): void => {
        if (settled) return;
        settled = true;
        resolve({ ...result, durationMs: Date.now() - started });
      };
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return finish({
          status: null,
          snippet: null,
          error: 'invalid notifyUrl',
          retryAfter: undefined,
        });
      }
      const secure = target.protocol === 'https:';
      const request = (secure ? httpsRequest : httpRequest)(
        target,
        {
          method: 'POST',
          agent: secure ? this.https : this.http,
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          timeout: this.timeoutMs,
        },
        (response: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const answered = (): void =>
            finish({
              status: response.statusCode ?? null,
              snippet: storableText(
                Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8'),
                SNIPPET_BYTES,
              ),
              error: null,
              retryAfter:
                typeof response.headers['retry-after'] === 'string'
                  ? response.headers['retry-after'].slice(0, 100)
                  : undefined,
            });
          response.on('data', (chunk: Buffer) => {
            if (size < SNIPPET_BYTES) chunks.push(chunk);
            size += chunk.length;
            if (size > MAX_READ_BYTES) {
              answered();
              response.destroy();
            }
          });
          response.on('end', answered);
          response.on('error', (error) =>
            finish({
              status: response.statusCode ?? null,
              snippet: null,
              error: storableText(error.message, ERROR_CHARS),
              retryAfter: undefined,
            }),
          );
        },
      );
      const deadline = setTimeout(
        () => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      request.on('timeout', () =>
        request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)),
      );
      request.on('error', (error: NodeJS.ErrnoException) =>
        finish({
          status: null,
          snippet: null,
          error: storableText(error.message, ERROR_CHARS),
          retryAfter: undefined,
        }),
      );
      request.on('close', () => clearTimeout(deadline));
      request.end(body);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
