import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

import { NotifyUrlPolicy, guardedLookup } from './notify-url.guard';

export interface DeliveryResult {
  status: number | null;
  /** At most 1 KB of the response body. */
  snippet: string | null;
  error: string | null;
  durationMs: number;
  retryAfter: string | undefined;
}

const SNIPPET_BYTES = 1024;

/**
 * POSTs webhook bodies over keep-alive connections, with a timeout, without following redirects,
 * resolving hosts through the SSRF guard. One instance per process.
 */
export class WebhookSender {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;

  constructor(
    private readonly timeoutMs: number,
    policy: NotifyUrlPolicy,
    maxSockets: number,
  ) {
    const lookup = guardedLookup(policy) as never;
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
          response.on('data', (chunk: Buffer) => {
            if (size < SNIPPET_BYTES) chunks.push(chunk);
            size += chunk.length;
          });
          response.on('end', () =>
            finish({
              status: response.statusCode ?? null,
              snippet: Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8'),
              error: null,
              retryAfter:
                typeof response.headers['retry-after'] === 'string'
                  ? response.headers['retry-after']
                  : undefined,
            }),
          );
          response.on('error', (error) =>
            finish({
              status: response.statusCode ?? null,
              snippet: null,
              error: error.message,
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
          error: error.message.slice(0, 500),
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
