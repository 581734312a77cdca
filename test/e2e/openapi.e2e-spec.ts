import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { OPENAPI_PATH, renderOpenApi } from '../../src/cli/openapi';

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
});
