import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import ts from 'typescript';

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

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** `<method> <path>` of every operation openapi/openapi.json declares, sorted. */
function specOperations(): string[] {
  const spec = JSON.parse(readFileSync(join(ROOT, 'openapi', 'openapi.json'), 'utf8')) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(spec.paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => HTTP_METHODS.has(key))
        .map((method) => `${method} ${path}`),
    )
    .sort();
}

/**
 * `<method> <url>` of every request the generated SDK makes, sorted: each call
 * `(…).<method><…>({ …, url: '<url>', … })`, read from the syntax tree (the method and the URL of
 * one call, never a URL that merely appears somewhere in the file).
 */
function sdkOperations(source: string): string[] {
  const file = ts.createSourceFile('sdk.gen.ts', source, ts.ScriptTarget.Latest, true);
  const operations: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      HTTP_METHODS.has(node.expression.name.text) &&
      node.arguments.length === 1 &&
      ts.isObjectLiteralExpression(node.arguments[0])
    ) {
      const url = node.arguments[0].properties.find(
        (p): p is ts.PropertyAssignment =>
          ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'url',
      );
      if (url && ts.isStringLiteral(url.initializer))
        operations.push(`${node.expression.name.text} ${url.initializer.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return operations.sort();
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

  it('has one method per operation of the spec: its HTTP method and URL together, nothing else', () => {
    const sdk = readFileSync(join(COMMITTED, 'sdk.gen.ts'), 'utf8');
    expect(sdkOperations(sdk)).toEqual(specOperations());
  });

  it('the comparison sees an operation whose HTTP method is wrong though its URL is there', () => {
    const sdk = readFileSync(join(COMMITTED, 'sdk.gen.ts'), 'utf8');
    const target = sdkOperations(sdk).find((op) => op.startsWith('delete '));
    expect(target).toBeDefined();
    // The same URL, called with GET instead of DELETE: every path string is still in the SDK.
    const mutated = sdk.replace(/\.delete</, '.get<');
    const operations = sdkOperations(mutated);
    expect(operations).not.toContain(target);
    expect(operations).not.toEqual(specOperations());
  });
});
