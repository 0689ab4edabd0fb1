import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildOpenApiDocument, PUBLISHED_APIS, serializeDocument } from '../../../scripts/openapi-documents';

const root = join(__dirname, '../../..');
const committed = (name: string) => readFileSync(join(__dirname, '../../../openapi', `${name}.json`), 'utf8');

describe('the committed OpenAPI documents', () => {
  it.each(PUBLISHED_APIS.map((api) => [api.name, api] as const))(
    'openapi/%s.json is what the code declares (run `npm run openapi:generate` and commit it)',
    async (_name, api) => {
      const generated = serializeDocument(await buildOpenApiDocument(api));
      expect(JSON.parse(generated)).toEqual(JSON.parse(committed(api.name)));
      expect(generated).toBe(committed(api.name));
    },
  );

  it('gives every error response of every operation the problem-details schema', async () => {
    for (const api of PUBLISHED_APIS) {
      const document = JSON.parse(committed(api.name)) as {
        paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
      };
      for (const [path, item] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          for (const [status, response] of Object.entries(operation.responses)) {
            if (Number(status) < 400) continue;
            expect({ api: api.name, path, method, status, types: Object.keys(response.content ?? {}) }).toEqual({
              api: api.name,
              path,
              method,
              status,
              types: ['application/problem+json'],
            });
          }
        }
      }
    }
  });

  it('the typed client in libs/api-client is generated from the committed documents', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'pp-api-client-'));
    try {
      execFileSync('node', [join(root, 'scripts/generate-api-client.mjs'), '--out', scratch], {
        cwd: root,
        stdio: 'pipe',
      });
      for (const api of PUBLISHED_APIS) {
        const fresh = readFileSync(join(scratch, `${api.name}.ts`), 'utf8');
        expect(fresh).toBe(readFileSync(join(root, 'libs/api-client/src/generated', `${api.name}.ts`), 'utf8'));
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
