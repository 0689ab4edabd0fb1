import 'reflect-metadata';

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { buildOpenApiDocument, PUBLISHED_APIS, serializeDocument } from './openapi-documents';

/** Writes openapi/<service>.json from the code; the contract test fails until they are committed again. */
async function main(): Promise<void> {
  const directory = join(process.cwd(), 'openapi');
  mkdirSync(directory, { recursive: true });
  for (const api of PUBLISHED_APIS) {
    const file = join(directory, `${api.name}.json`);
    writeFileSync(file, serializeDocument(await buildOpenApiDocument(api)));
    process.stdout.write(`openapi: wrote ${file}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`openapi: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
