// Generates the typed client's types (libs/api-client/src/generated/<service>.ts) from the committed openapi/*.json
// with openapi-typescript, formatted as the repository formats TypeScript. `--out <dir>` writes elsewhere, so the
// contract test can compare a fresh generation with what is committed.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const outFlag = process.argv.indexOf('--out');
const out = outFlag >= 0 ? process.argv[outFlag + 1] : join(root, 'libs', 'api-client', 'src', 'generated');
mkdirSync(out, { recursive: true });

const files = [];
for (const name of ['credentials', 'reporting']) {
  const file = join(out, `${name}.ts`);
  execFileSync(bin('openapi-typescript'), [join(root, 'openapi', `${name}.json`), '-o', file, '--silent'], {
    cwd: root,
    stdio: 'inherit',
  });
  files.push(file);
}
execFileSync(bin('prettier'), ['--config', join(root, '.prettierrc'), '--write', '--log-level', 'warn', ...files], {
  cwd: root,
  stdio: 'inherit',
});
console.log(`api-client: generated ${files.join(', ')}`);
