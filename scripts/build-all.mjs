// Compiles the whole monorepo once with tsc (shared libs are built a single time, not per app),
// rewrites the @pp/* aliases to relative paths, and gives each app the entry point the contract names:
// dist/apps/<app>/main.js.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

const started = Date.now();
console.log('build: compiling TypeScript');
run(bin('tsc'), ['-p', 'tsconfig.build.json']);
console.log('build: rewriting path aliases');
run(bin('tsc-alias'), ['-p', 'tsconfig.build.json']);

const nestCli = JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8'));
const apps = Object.entries(nestCli.projects).filter(([, project]) => project.type === 'application');
for (const [name] of apps) {
  const entry = join(root, 'dist', 'apps', name, 'main.js');
  mkdirSync(dirname(entry), { recursive: true });
  writeFileSync(entry, "'use strict';\nrequire('./src/main');\n");
}
console.log(`build: ${apps.length} apps in dist/apps/<app>/main.js (${((Date.now() - started) / 1000).toFixed(1)} s)`);
