// `npm start <app>` runs one built service (dist/apps/<app>/main.js, as the images do); `npm run start:dev <app>`
// runs it from source and restarts it on every change. The app is the argument or $APP; `npm start` alone lists them.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const apps = Object.entries(JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8')).projects)
  .filter(([, project]) => project.type === 'application')
  .map(([name]) => name);
const dev = process.argv.includes('--dev');
const app = process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? process.env.APP;
if (!app || !apps.includes(app)) {
  console.error(`usage: npm ${dev ? 'run start:dev' : 'start'} <app>, one of: ${apps.join(', ')}`);
  process.exit(2);
}
const args = dev
  ? [
      '--watch-path=apps',
      '--watch-path=libs',
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      join('apps', app, 'src', 'main.ts'),
    ]
  : [join('dist', 'apps', app, 'main.js')];
const child = spawn(process.execPath, args, {
  cwd: root,
  stdio: 'inherit',
  env: dev ? { ...process.env, TS_NODE_PROJECT: 'tsconfig.json' } : process.env,
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
