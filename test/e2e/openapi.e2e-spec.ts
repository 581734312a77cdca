import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { OPENAPI_PATH, renderOpenApi } from '../../src/cli/openapi';
import { projectRoot } from '../../src/common/project-root';

interface RedoclyReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
}

/** `redocly lint` of a document with the repo's redocly.yaml (recommended rules), as JSON. */
function redoclyLint(document: unknown): RedoclyReport {
  const root = projectRoot();
  const file = join(mkdtempSync(join(tmpdir(), 'redocly-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  const result = spawnSync(
    join(root, 'node_modules', '.bin', 'redocly'),
    ['lint', file, '--config', join(root, 'redocly.yaml'), '--format=json'],
    {
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' },
    },
  );
  if (result.error) throw result.error;
  return JSON.parse(result.stdout) as RedoclyReport;
}

describe('openapi/openapi.json', () => {
  let generated: string;
  beforeAll(async () => {
    generated = await renderOpenApi();
  });

  it('is what the code generates (run `npm run openapi` when this fails)', () => {
    expect(readFileSync(OPENAPI_PATH, 'utf8')).toBe(generated);
  });

  it('passes an OpenAPI 3 validator (@apidevtools/swagger-parser)', () => {
    const validator = join(__dirname, '..', 'support', 'validate-openapi.js');
    const file = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'openapi.json');
    writeFileSync(file, generated);
    expect(execFileSync(process.execPath, [validator, file], { encoding: 'utf8' })).toContain(
      'valid: payment-service',
    );
    // The validator does reject a broken document (so the line above can fail).
    const broken = JSON.parse(generated);
    broken.paths['/api/merchants'].post.responses = { '200': { content: {} } };
    writeFileSync(file, JSON.stringify(broken));
    expect(() => execFileSync(process.execPath, [validator, file], { stdio: 'pipe' })).toThrow();
  });

  it('documents every route with a summary, the envelope, errors and the x-api-key scheme', () => {
    const spec = JSON.parse(generated);
    expect(spec.components.securitySchemes['api-key']).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }),
    );
    expect(spec.components.schemas.ErrorEnvelopeDto).toBeDefined();
    for (const [path, item] of Object.entries<Record<string, any>>(spec.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect({ where, summary: typeof op.summary }).toEqual({ where, summary: 'string' });
        const success = Object.entries<any>(op.responses).find(([code]) => code.startsWith('2'));
        expect(success?.[1].content['application/json'].schema.properties.data).toBeDefined();
        if (path.startsWith('/api/')) {
          expect(op.security).toEqual([{ 'api-key': [] }]);
          expect(op.responses['401'].content['application/json'].schema.$ref).toBe(
            '#/components/schemas/ErrorEnvelopeDto',
          );
        }
      }
    }
  });

  it('passes `redocly lint` with the recommended rules: no error, no warning, nothing ignored', () => {
    // redocly.yaml selects the recommended rules and turns none off (run `npm run openapi:lint`).
    const config = readFileSync(join(projectRoot(), 'redocly.yaml'), 'utf8');
    expect(config).toMatch(/^extends:\n {2}- recommended\n/m);
    expect(config).not.toMatch(/^rules:/m);
    const report = redoclyLint(JSON.parse(generated));
    const problems = report.problems.map(
      (p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`,
    );
    expect(problems).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
    // The lint does report problems (so the lines above can fail): one without its license.
    const unlicensed = JSON.parse(generated);
    delete unlicensed.info.license;
    expect(redoclyLint(unlicensed).problems.map((p) => p.ruleId)).toEqual(['info-license']);
  });

  it('declares routes that take no key with an explicit empty security requirement', () => {
    const spec = JSON.parse(generated);
    expect(spec.paths['/health'].get.security).toEqual([]);
    expect(spec.paths['/health/ready'].get.security).toEqual([]);
    expect(spec.paths['/api/invoices'].post.security).toEqual([{ 'api-key': [] }]);
  });
});
