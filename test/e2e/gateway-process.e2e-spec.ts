import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../setup/global-setup';
import { createTestDatabase } from '../support/database';
import { runGatewayToExit, startGateway } from '../support/gateway-process';
import { send } from '../support/test-app';
import { merchantBody } from '../factories/merchant.factory';

/** A temp directory PostgreSQL's own user can enter (it runs as `postgres` when we are root). */
function reachableTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'payment-service-data-'));
  chmodSync(dir, 0o755);
  return dir;
}

const LIVE_ENV = {
  GATEWAY_MODE: 'live',
  SERVICE_API_KEY: 'live-service-api-key-0123456789',
  WEBHOOK_SIGNING_SECRET: 'live-webhook-signing-secret-0123',
  CREDENTIALS_ENCRYPTION_KEY: '3e9a1f7c05b84d26a1c0e9f37b5d2a84c6f1039e7d5b28a4f0c6e1d93b7a5f02',
  DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  PUBLIC_URL: 'https://pay.example.uz',
};

describe('The built gateway as a process', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'payment-service-cwd-'));

  it.each(Object.keys(LIVE_ENV).filter((k) => k !== 'GATEWAY_MODE'))(
    'refuses to start in live mode without %s and names it',
    async (missing) => {
      const env: Record<string, string> = { ...LIVE_ENV };
      delete env[missing];
      const result = await runGatewayToExit(env, cwd);
      expect(result.code).toBe(1);
      expect(result.output).toContain(`${missing} is required in live mode`);
      expect(result.output).toContain('refusing to start');
      // The secrets that were given are not echoed back in the refusal.
      expect(result.output).not.toContain(LIVE_ENV.WEBHOOK_SIGNING_SECRET);
    },
  );

  it('names every missing live variable at once', async () => {
    const result = await runGatewayToExit({ GATEWAY_MODE: 'live' }, cwd);
    expect(result.code).toBe(1);
    for (const name of [
      'SERVICE_API_KEY',
      'WEBHOOK_SIGNING_SECRET',
      'CREDENTIALS_ENCRYPTION_KEY',
      'DATABASE_URL',
    ]) {
      expect(result.output).toContain(`${name} is required in live mode`);
    }
  });

  it('refuses to start in live mode with a weak encryption key or an http PUBLIC_URL, naming both', async () => {
    const result = await runGatewayToExit(
      {
        ...LIVE_ENV,
        CREDENTIALS_ENCRYPTION_KEY: 'ab'.repeat(32),
        PUBLIC_URL: 'http://pay.example.uz',
      },
      cwd,
    );
    expect(result.code).toBe(1);
    expect(result.output).toContain('CREDENTIALS_ENCRYPTION_KEY is too weak for live mode');
    expect(result.output).toContain('PUBLIC_URL must be https in live mode');
    expect(result.output).toContain('refusing to start');
    expect(result.output).not.toContain('ab'.repeat(32));
  });

  it('starts in sandbox mode with printed development defaults over an existing database', async () => {
    const gateway = await startGateway(
      { DATABASE_URL: await createTestDatabase({ migrate: false }) },
      cwd,
    );
    try {
      expect(gateway.output()).toContain('Development x-api-key: sandbox-service-api-key');
      const r = await send(`http://127.0.0.1:${gateway.port}`, '/api/merchants/supported', {
        headers: { 'x-api-key': 'sandbox-service-api-key' },
      });
      expect(r.status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });

  it('logs JSON lines with the request id and without secrets, even at trace level', async () => {
    const secret = 'never-log-this-secret-Q7';
    const gateway = await startGateway(
      {
        DATABASE_URL: await createTestDatabase(),
        LOG_LEVEL: 'trace',
        SERVICE_API_KEY: 'log-test-api-key-0123456',
      },
      cwd,
    );
    try {
      const r = await send(`http://127.0.0.1:${gateway.port}`, '/api/merchants?cursor=x', {
        method: 'POST',
        headers: {
          'x-api-key': 'log-test-api-key-0123456',
          'x-request-id': 'log-test-1',
          authorization: `Bearer ${secret}`,
        },
        json: merchantBody({
          businessId: 'logs',
          credentials: { applicationId: 'a', secret, storeId: 's' },
        }),
      });
      expect(r.status).toBe(200);
      await send(`http://127.0.0.1:${gateway.port}`, '/api/merchants/supported', {
        headers: { 'x-api-key': secret },
      });
    } finally {
      await gateway.stop();
    }
    const lines = gateway
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ofRequest = lines.filter((l) => l.requestId === 'log-test-1');
    expect(ofRequest.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['Merchant account registered', 'request completed']),
    );
    expect(gateway.output()).not.toContain(secret);
    expect(gateway.output()).not.toContain('log-test-api-key-0123456');
  });

  it('keeps data across a restart with the embedded database', async () => {
    const env = {
      EMBEDDED_POSTGRES_DIR: join(reachableTempDir(), 'postgres'),
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      SERVICE_API_KEY: 'restart-test-api-key-0123',
    };
    const headers = { 'x-api-key': env.SERVICE_API_KEY };
    const first = await startGateway(env, cwd);
    const registered = await send(`http://127.0.0.1:${first.port}`, '/api/merchants', {
      method: 'POST',
      headers,
      json: merchantBody({ businessId: 'persisted' }),
    });
    expect(registered.status).toBe(200);
    expect(await first.stop()).toBe(0);

    const second = await startGateway(env, cwd);
    try {
      const listed = await send(
        `http://127.0.0.1:${second.port}`,
        '/api/merchants/by-business/marketplace/persisted/providers',
        { headers },
      );
      expect(listed.body.data.items).toEqual([
        { provider: 'multicard', displayName: 'Restoran A — multicard' },
      ]);
      const again = await send(`http://127.0.0.1:${second.port}`, '/api/merchants', {
        method: 'POST',
        headers,
        json: merchantBody({ businessId: 'persisted' }),
      });
      expect(again.body.data).toMatchObject({ id: registered.body.data.id, created: false });
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});
