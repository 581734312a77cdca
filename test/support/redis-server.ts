import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../setup/global-setup';

/** Debian's redis-server (scripts/ensure-redis.sh installs it before `npm test`). */
export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server';

/** A real redis-server of a test's own, on a free port, in a temp directory it removes. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Starts it (again) on the same port: the store coming back after an outage. */
  start(): Promise<void>;
  /** Stops it (SIGTERM, no save: it keeps nothing on disk); the port stays reserved for start(). */
  stop(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open but nothing is answered, a hung store. */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
  /** Stops it and removes its directory. */
  remove(): Promise<void>;
}

/** Resolves once something accepts TCP connections on the port, rejects after `ms`. */
function waitForPort(port: number, ms: number, output: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline)
          reject(new Error(`redis-server did not listen on ${port}:\n${output()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * Starts `redis-server` on a free port with nothing persisted (`--save '' --appendonly no`) and
 * its working directory in a temp dir: the same kind of server production runs, never a mock.
 */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'payment-service-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  let output = '';
  const redis: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    start: async () => {
      if (child) return;
      output = '';
      const started = spawn(
        REDIS_SERVER,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<never>((_, reject) =>
        started.once('exit', (code) =>
          reject(new Error(`redis-server exited with ${code}:\n${output}`)),
        ),
      );
      exited.catch(() => undefined);
      started.once('exit', () => {
        if (child === started) child = null;
      });
      child = started;
      await Promise.race([waitForPort(port, 10_000, () => output), exited]);
    },
    stop: async () => {
      const running = child;
      if (!running) return;
      child = null;
      if (running.exitCode !== null || running.signalCode !== null) return;
      await new Promise((resolve) => {
        running.once('exit', resolve);
        running.kill('SIGTERM');
        running.kill('SIGCONT'); // a paused server acts on the SIGTERM once thawed
      });
    },
    pause: () => {
      child?.kill('SIGSTOP');
    },
    resume: () => {
      child?.kill('SIGCONT');
    },
    remove: async () => {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await redis.start();
  return redis;
}
