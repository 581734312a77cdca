import { createHash } from 'node:crypto';

import { canonicalJson } from '../../src/common/idempotency/canonical-json';
import { IdempotencyService } from '../../src/common/idempotency/idempotency.service';
import { query } from '../support/database';
import { TestApp, startTestApp } from '../support/test-app';

describe('Idempotency-Key storage', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('keeps keys at least 24 hours and forgets older ones', async () => {
    await query(
      t.databaseUrl,
      `INSERT INTO idempotency_keys (caller, scope, key, request_hash, state, created_at)
       VALUES ('staff', 'POST /x', 'old', 'h', 'completed', now() - interval '25 hours'),
              ('staff', 'POST /x', 'recent', 'h', 'completed', now() - interval '23 hours')`,
    );
    await expect(t.app.get(IdempotencyService).purgeExpired()).resolves.toBe(1);
    expect(
      await query(t.databaseUrl, `SELECT key FROM idempotency_keys WHERE scope = 'POST /x'`),
    ).toEqual([{ key: 'recent' }]);
  });

  it('takes over a key whose first request died mid-flight, but not a live one', async () => {
    const keys = t.app.get(IdempotencyService);
    await expect(keys.claim('staff', 'POST /y', 'k1', 'hash')).resolves.toMatchObject({
      kind: 'new',
    });
    await expect(keys.claim('staff', 'POST /y', 'k1', 'hash')).rejects.toThrow(
      'still being processed',
    );
    await query(
      t.databaseUrl,
      `UPDATE idempotency_keys SET created_at = now() - interval '1 hour' WHERE key = 'k1'`,
    );
    await expect(keys.claim('staff', 'POST /y', 'k1', 'hash')).resolves.toMatchObject({
      kind: 'new',
    });
  });

  it("releases only its own claim: a late release after a takeover leaves the taker's claim", async () => {
    const keys = t.app.get(IdempotencyService);
    const first = await keys.claim('staff', 'POST /z', 'k2', 'hash');
    if (first.kind !== 'new') throw new Error('expected a new claim');
    await query(
      t.databaseUrl,
      `UPDATE idempotency_keys SET created_at = now() - interval '1 hour' WHERE key = 'k2'`,
    );
    const taken = await keys.claim('staff', 'POST /z', 'k2', 'hash');
    expect(taken).toMatchObject({ kind: 'new' });
    await keys.release({
      caller: 'staff',
      scope: 'POST /z',
      key: 'k2',
      claimedAt: first.claimedAt,
    });
    await expect(keys.claim('staff', 'POST /z', 'k2', 'hash')).rejects.toThrow(
      'still being processed',
    );
    if (taken.kind !== 'new') throw new Error('expected a new claim');
    await keys.release({
      caller: 'staff',
      scope: 'POST /z',
      key: 'k2',
      claimedAt: taken.claimedAt,
    });
    await expect(keys.claim('staff', 'POST /z', 'k2', 'hash')).resolves.toMatchObject({
      kind: 'new',
    });
  });

  it('stores a keyed fingerprint of the body, never a plain hash a card number could be guessed back from', async () => {
    const body = { invoiceId: '00000000-0000-4000-8000-000000000009', cardPan: '8600301234565959' };
    const answer = await t.request('/api/refunds', {
      method: 'POST',
      headers: { 'idempotency-key': 'fingerprint-1' },
      json: body,
    });
    expect(answer.status).toBe(404); // no such invoice: the key is released, so claim it again
    const keys = t.app.get(IdempotencyService);
    const fingerprint = keys.fingerprint(body);
    expect(fingerprint).not.toBe(createHash('sha256').update(canonicalJson(body)).digest('hex'));
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(keys.fingerprint({ ...body })).toBe(fingerprint);
    expect(keys.fingerprint({ ...body, cardPan: '8600301234565958' })).not.toBe(fingerprint);
    await keys.claim('staff', 'POST /api/refunds', 'fingerprint-2', fingerprint);
    const [row] = await query<{ request_hash: string }>(
      t.databaseUrl,
      `SELECT request_hash FROM idempotency_keys WHERE key = 'fingerprint-2'`,
    );
    expect(row.request_hash).toBe(fingerprint);
    expect(row.request_hash).not.toContain('5959');
  });
});
