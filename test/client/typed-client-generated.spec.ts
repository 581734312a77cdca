import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/**
 * clients/typescript/src/generated/ is what `npm run client:generate` makes of the committed
 * openapi/openapi.json (which openapi.e2e-spec.ts holds to the code): regenerated into a
 * temporary folder, every file must be there, byte for byte, and nothing else.
 */
const ROOT = join(__dirname, '..', '..');
const COMMITTED = join(ROOT, 'clients', 'typescript', 'src', 'generated');
const STALE = 'clients/typescript is stale: run `npm run client:generate` and commit it.';

/** Every file under `dir`, by its path relative to `dir`, with its bytes. */
function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

describe('the typed client (clients/typescript)', () => {
  let fresh: string;
  beforeAll(() => {
    fresh = join(mkdtempSync(join(tmpdir(), 'typed-client-')), 'generated');
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'generate-client.mjs'), fresh], {
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`client:generate failed: ${run.stderr}${run.stdout}`);
  });
  afterAll(() => rmSync(join(fresh, '..'), { recursive: true, force: true }));

  it('is what the generator makes of openapi/openapi.json, byte for byte', () => {
    const expected = tree(fresh);
    const committed = tree(COMMITTED);
    expect(expected.size).toBeGreaterThan(5);
    const stale = [...new Set([...expected.keys(), ...committed.keys()])]
      .filter((file) => !expected.get(file)?.equals(committed.get(file) ?? Buffer.alloc(0)))
      .sort();
    expect({ stale, hint: stale.length ? STALE : 'current' }).toEqual({
      stale: [],
      hint: 'current',
    });
  });

  it('covers every operation of the spec', () => {
    const spec = JSON.parse(readFileSync(join(ROOT, 'openapi', 'openapi.json'), 'utf8'));
    const sdk = readFileSync(join(COMMITTED, 'sdk.gen.ts'), 'utf8');
    for (const [path, item] of Object.entries<Record<string, unknown>>(spec.paths))
      for (const method of Object.keys(item))
        expect({
          route: `${method} ${path}`,
          inSdk: sdk.includes(`url: '${path}'`),
        }).toEqual({
          route: `${method} ${path}`,
          inSdk: true,
        });
  });
});
