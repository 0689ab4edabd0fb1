import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { createTestDatabase, createTestVhost, waitFor } from '@pp/testing';

const ROOT = join(__dirname, '..', '..', '..');
const SERVICES = ['credentials', 'sync', 'normalizer', 'reporting'] as const;
/** Reporting reads PostgreSQL only (it neither publishes nor consumes), so only the others depend on RabbitMQ. */
const BROKER_USERS = new Set<string>(['credentials', 'sync', 'normalizer']);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

async function startApp(app: string, env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', app, 'main.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, output: () => output, exited };
}

async function readiness(port: number): Promise<number | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
    return response.status;
  } catch {
    return undefined;
  }
}

async function stop(started: Started): Promise<void> {
  if (started.child.exitCode === null) started.child.kill('SIGTERM');
  await Promise.race([started.exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  if (started.child.exitCode === null) started.child.kill('SIGKILL');
}

describe('each app, started as `node dist/apps/<app>/main.js`', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  const running: Started[] = [];

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'apps', 'credentials', 'main.js'))) {
      throw new Error('dist/ is missing: the test command builds first (npm test runs npm run build)');
    }
    database = await createTestDatabase('pp_boot');
    vhost = await createTestVhost('pp_boot');
  });

  afterAll(async () => {
    await Promise.all(running.map(stop));
    await vhost?.drop();
    await database?.drop();
  });

  it.each(SERVICES)('%s is ready with its dependencies up, and 503 while one is unreachable', async (app) => {
    const healthy = await startApp(app, { DATABASE_URL: database.url, AMQP_URL: vhost.url, SYNC_ROLE: 'all' });
    running.push(healthy);
    await waitFor(async () => (await readiness(healthy.port)) === 200, {
      timeoutMs: 30_000,
      description: `${app} /health/ready = 200 (output: ${healthy.output().slice(-500)})`,
    });
    const live = await fetch(`http://127.0.0.1:${healthy.port}/health/live`);
    expect(live.status).toBe(200);
    const metrics = await fetch(`http://127.0.0.1:${healthy.port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('process_cpu_user_seconds_total');

    if (BROKER_USERS.has(app)) {
      const brokerDown = await startApp(app, {
        DATABASE_URL: database.url,
        AMQP_URL: 'amqp://guest:guest@127.0.0.1:1',
        SYNC_ROLE: 'all',
      });
      running.push(brokerDown);
      await waitFor(async () => (await readiness(brokerDown.port)) === 503, {
        timeoutMs: 30_000,
        description: `${app} /health/ready = 503 without a broker`,
      });
      await stop(brokerDown);
    }

    const databaseDown = await startApp(app, {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere',
      AMQP_URL: vhost.url,
      SYNC_ROLE: 'all',
    });
    running.push(databaseDown);
    await waitFor(async () => (await readiness(databaseDown.port)) === 503, {
      timeoutMs: 30_000,
      description: `${app} /health/ready = 503 without a database`,
    });
    await stop(databaseDown);
    await stop(healthy);
  });

  it('the sandbox starts and is ready', async () => {
    const sandbox = await startApp('partnerstack-sandbox', {});
    running.push(sandbox);
    await waitFor(async () => (await readiness(sandbox.port)) === 200, {
      timeoutMs: 30_000,
      description: 'sandbox ready',
    });
    const unauthorised = await fetch(`http://127.0.0.1:${sandbox.port}/api/v2/rewards`);
    expect(unauthorised.status).toBe(401);
    await stop(sandbox);
  });

  it.each(['credentials', 'reporting'])(
    '%s refuses to start in production without its secrets, or with a malformed one, never printing its value',
    async (app) => {
      const missing = await startApp(app, { NODE_ENV: 'production', DATABASE_URL: database.url, AMQP_URL: vhost.url });
      running.push(missing);
      expect(await missing.exited).toBe(1);
      expect(missing.output()).toMatch(/JWT_SECRET: required in production/);

      const leakyValue = 'too-short-but-secret';
      const malformed = await startApp(app, {
        NODE_ENV: 'production',
        DATABASE_URL: database.url,
        AMQP_URL: vhost.url,
        JWT_SECRET: leakyValue,
      });
      running.push(malformed);
      expect(await malformed.exited).toBe(1);
      expect(malformed.output()).toMatch(/JWT_SECRET: malformed secret/);
      expect(malformed.output()).not.toContain(leakyValue);
    },
  );

  it('an app stops with the name of a malformed variable', async () => {
    const started = await startApp('normalizer', { DATABASE_URL: 'mysql://nope', AMQP_URL: vhost.url });
    running.push(started);
    expect(await started.exited).toBe(1);
    expect(started.output()).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
  });
});
