import type { DataSource } from 'typeorm';

import { newSecret, secretHash } from './api-key-secret';
import { ApiKeysService } from './api-keys.service';
import type { AppConfig } from '../config/app-config';

const KEY_ID = '7c1f3c1e-2f0a-4d55-9a39-6f0e4a1b2c3d';

/**
 * The api_keys table as the service reads it: one row per hash. `reads` counts the lookups; while
 * `holdReads` is set, a lookup waits until the test lets it answer (what it read before then).
 */
class KeysTable {
  readonly rows = new Map<string, { id: string; source: string; revokedAt: Date | null }>();
  reads = 0;
  holdReads = false;
  private readonly held: (() => void)[] = [];

  readonly manager = {
    findOne: async (_entity: unknown, options: { where: { hash: string } }) => {
      this.reads += 1;
      const row = this.rows.get(options.where.hash);
      const snapshot = row ? { ...row } : null;
      if (this.holdReads) await new Promise<void>((resolve) => this.held.push(resolve));
      return snapshot;
    },
    findOneBy: (_entity: unknown, where: { id: string }) =>
      Promise.resolve(
        [...this.rows].map(([hash, row]) => ({ ...row, hash })).find((r) => r.id === where.id) ??
          null,
      ),
    createQueryBuilder: () => {
      const chain = {
        update: () => chain,
        set: () => chain,
        where: (_sql: string, params: { id: string }) => {
          for (const row of this.rows.values())
            if (row.id === params.id) row.revokedAt = new Date();
          return chain;
        },
        execute: () => Promise.resolve(),
      };
      return chain;
    },
  };

  answerHeldReads(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }

  asDataSource(): DataSource {
    return {
      manager: this.manager,
      query: () => Promise.resolve([]),
    } as unknown as DataSource;
  }
}

describe('ApiKeysService.find', () => {
  const service = (table: KeysTable, mode: 'sandbox' | 'live') =>
    new ApiKeysService(table.asDataSource(), { mode } as AppConfig);

  it('refuses a secret of the other mode, or of no key shape at all, without a database read', async () => {
    const table = new KeysTable();
    const testKey = newSecret('sandbox');
    table.rows.set(secretHash(testKey), { id: KEY_ID, source: 'marketplace', revokedAt: null });
    const live = service(table, 'live');
    expect(await live.find(testKey)).toBeNull();
    expect(await live.find('guess')).toBeNull();
    expect(await live.find(`psk_live_${'!'.repeat(43)}`)).toBeNull();
    expect(table.reads).toBe(0);
    // The same key on a sandbox gateway is found.
    expect(await service(table, 'sandbox').find(testKey)).toEqual({
      keyId: KEY_ID,
      source: 'marketplace',
    });
    expect(table.reads).toBe(1);
  });

  it('caches a live key (one read) and recognises it; a revoke evicts it at once', async () => {
    const table = new KeysTable();
    const secret = newSecret('sandbox');
    table.rows.set(secretHash(secret), { id: KEY_ID, source: 'marketplace', revokedAt: null });
    const keys = service(table, 'sandbox');
    expect(keys.recognised(secret)).toBe(false);
    await keys.find(secret);
    await keys.find(secret);
    expect(table.reads).toBe(1);
    expect(keys.recognised(secret)).toBe(true);
    await keys.revoke(KEY_ID);
    expect(keys.recognised(secret)).toBe(false);
    expect(await keys.find(secret)).toBeNull();
  });

  it('does not cache a key read live by a lookup that a revoke overtook: the next request is refused', async () => {
    const table = new KeysTable();
    const secret = newSecret('sandbox');
    table.rows.set(secretHash(secret), { id: KEY_ID, source: 'marketplace', revokedAt: null });
    const keys = service(table, 'sandbox');
    table.holdReads = true;
    const racing = keys.find(secret); // reads the row while it is live, answers late
    await new Promise((resolve) => setImmediate(resolve));
    await keys.revoke(KEY_ID);
    table.holdReads = false;
    table.answerHeldReads();
    // The racing request itself was let in (it was read before the revoke) ...
    expect(await racing).toEqual({ keyId: KEY_ID, source: 'marketplace' });
    // ... but it left nothing behind: the next one reads the revoked row.
    expect(keys.recognised(secret)).toBe(false);
    expect(await keys.find(secret)).toBeNull();
  });
});
