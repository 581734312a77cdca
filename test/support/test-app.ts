import { NestFastifyApplication } from '@nestjs/platform-fastify';

import { createTestDatabase } from './database';
import { freePort } from '../setup/global-setup';
import { CreateAppOptions, createApp } from '../../src/app.factory';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';

export const TEST_API_KEY = 'test-service-api-key-0123456789';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  baseUrl: string;
  databaseUrl: string;
  /** fetch against the app with the service key (unless headers override it). */
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  body: any; // the parsed JSON of any route
}

/**
 * The gateway in this process, on a real port, over a fresh migrated database; `providers`
 * replaces the registered provider list (a test adding its own provider).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  databaseUrl?: string,
  options: Pick<CreateAppOptions, 'providers'> = {},
): Promise<TestApp> {
  const url = databaseUrl ?? (await createTestDatabase());
  // The port is chosen first so PUBLIC_URL (and with it the sandbox provider URLs) is known.
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig(
    {
      GATEWAY_MODE: 'sandbox',
      LOG_LEVEL: 'silent',
      SERVICE_API_KEY: TEST_API_KEY,
      RATE_LIMIT_PER_MINUTE: '100000',
      // Tests drive the expiry sweep themselves.
      INVOICE_EXPIRY_SWEEP_SECONDS: '3600',
      DATABASE_URL: url,
      PORT: String(port),
      PUBLIC_URL: baseUrl,
      // Many apps run in one jest process: none listens for scrapes unless its test asks.
      METRICS_PORT: 'off',
      ...env,
    },
    options.providers?.map((plugin) => plugin.settings),
  );
  const app = await createApp(config, options);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    app,
    config,
    baseUrl,
    databaseUrl: url,
    request: (path, init = {}) => send(baseUrl, path, init),
    close: () => app.close(),
  };
}

export async function send(
  baseUrl: string,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<TestResponse> {
  const headers = new Headers(init.headers);
  if (!headers.has('x-api-key')) headers.set('x-api-key', TEST_API_KEY);
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const response = await fetch(`${baseUrl}${path}`, { ...init, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: body stays undefined and the test reads `text`
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Asserts the seed envelope shape and returns it. */
export function expectEnvelope(response: TestResponse): void {
  expect(response.body).toEqual(
    expect.objectContaining({
      status: expect.any(Boolean),
      code: response.status,
      message: expect.any(String),
    }),
  );
  expect(Object.keys(response.body).sort()).toEqual(['code', 'data', 'message', 'status']);
  if (response.body.status === false) {
    expect(Array.isArray(response.body.data.details)).toBe(true);
  } else {
    expect(response.body.message).toBe('OK');
  }
}
