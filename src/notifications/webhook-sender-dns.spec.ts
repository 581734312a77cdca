import type { LookupAddress } from 'node:dns';
import { Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { DeliveryResult, WebhookSender } from './webhook-sender';

/**
 * A model of libuv's threadpool as getaddrinfo meets it: at most four lookups run at once, the
 * others wait for a free thread. A lookup of a name with broken DNS holds its thread until the
 * test answers it, as a resolver that times out does.
 */
class ThreadpoolModel {
  readonly calls: string[] = [];
  readonly queued: string[] = [];
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly threads: number) {}

  run<T>(hostname: string, job: () => Promise<T>): Promise<T> {
    this.calls.push(hostname);
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.running += 1;
        job()
          .then(resolve, reject)
          .finally(() => {
            this.running -= 1;
            this.waiting.shift()?.();
          });
      };
      if (this.running < this.threads) return start();
      this.queued.push(hostname);
      this.waiting.push(() => {
        this.queued.splice(this.queued.indexOf(hostname), 1);
        start();
      });
    });
  }
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('WebhookSender: one receiver with broken DNS does not hold up the others', () => {
  let server: Server;
  let port: number;
  const received: Array<{ host: string | undefined; brokenLookupPending: boolean }> = [];
  let brokenLookupPending = false;

  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push({ host: req.headers.host, brokenLookupPending });
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('coalesces the broken name into one lookup, delivers to a healthy name meanwhile, and reuses the failure', async () => {
    const threadpool = new ThreadpoolModel(4);
    let answerBroken: (error: Error) => void = () => undefined;
    const brokenAnswer = new Promise<LookupAddress[]>((_, reject) => (answerBroken = reject));
    const resolve = (hostname: string): Promise<LookupAddress[]> =>
      threadpool.run(hostname, () =>
        hostname === 'broken.test'
          ? brokenAnswer
          : Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
      );
    // Sandbox policy (the receiver is on loopback); a lookup wait far longer than this test.
    const sender = new WebhookSender(60_000, { strict: false, allowedHosts: [] }, 100, {
      resolve,
      lookupWaitMs: 60_000,
    });
    try {
      brokenLookupPending = true;
      let brokenSettled = 0;
      const brokenSends = Array.from({ length: 20 }, (_, i) =>
        sender.send(`http://broken.test:${port}/hook/${i}`, {}, '{}').finally(() => {
          brokenSettled += 1;
        }),
      );
      await until(() => threadpool.calls.includes('broken.test') || brokenSettled > 0);
      expect({ brokenSettled, lookedUp: threadpool.calls.includes('broken.test') }).toEqual({
        brokenSettled: 0,
        lookedUp: true,
      });

      const healthy = sender.send(`http://receiver.test:${port}/hook`, {}, '{}');
      let healthyResult: DeliveryResult | null = null;
      void healthy.then((result) => (healthyResult = result));
      // Either the healthy delivery completes, or its lookup is stuck behind the broken ones.
      await until(() => healthyResult !== null || threadpool.queued.length > 0);

      expect(threadpool.queued).toEqual([]);
      expect(healthyResult).toMatchObject({ status: 200, error: null });
      expect(received).toEqual([{ host: `receiver.test:${port}`, brokenLookupPending: true }]);
      expect(threadpool.calls.filter((name) => name === 'broken.test')).toHaveLength(1);

      brokenLookupPending = false;
      answerBroken(
        Object.assign(new Error('getaddrinfo ENOTFOUND broken.test'), { code: 'ENOTFOUND' }),
      );
      const failed = await Promise.all(brokenSends);
      expect(new Set(failed.map((r) => `${r.status} ${r.error}`))).toEqual(
        new Set(['null getaddrinfo ENOTFOUND broken.test']),
      );

      // The failure is remembered: the next delivery to that name fails without a new lookup.
      const again = await sender.send(`http://broken.test:${port}/hook/again`, {}, '{}');
      expect(again).toMatchObject({ status: null, error: 'getaddrinfo ENOTFOUND broken.test' });
      expect(threadpool.calls.filter((name) => name === 'broken.test')).toHaveLength(1);
      expect(received).toHaveLength(1);
    } finally {
      sender.close();
    }
  });
});
