import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

import { Client } from 'pg';

const run = promisify(execFile);

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** The server behind the test run (TEST_PG_SERVER_URL, set by the global setup) with another database. */
export function databaseUrl(
  database: string,
  base = process.env.TEST_PG_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `work` on a connection of its own to the database at `url`, closed afterwards. */
export async function withDatabase<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  return withDatabase(databaseUrl('postgres'), work);
}

/**
 * A database of the suite's own, cloned from the run's migrated template (TEST_DB_TEMPLATE),
 * so suites that need a table to themselves never see another suite's rows.
 */
export async function createTestDatabase(prefix = 'pp_test'): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = uniqueName(prefix);
  const template = process.env.TEST_DB_TEMPLATE;
  await admin((client) => client.query(`create database "${name}"${template ? ` template "${template}"` : ''}`));
  return {
    url: databaseUrl(name),
    drop: () => dropDatabase(name),
  };
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((client) => client.query(`drop database if exists "${name}" with (force)`));
}

/** A RabbitMQ vhost of the suite's own: its queues never compete with another suite's consumers. */
export async function createTestVhost(
  prefix = 'pp_test',
): Promise<{ url: string; vhost: string; drop: () => Promise<void> }> {
  const vhost = uniqueName(prefix);
  await run('rabbitmqctl', ['-q', 'add_vhost', vhost]);
  await run('rabbitmqctl', ['-q', 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
  const base = new URL(process.env.TEST_AMQP_SERVER_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
  base.pathname = `/${encodeURIComponent(vhost)}`;
  return {
    url: base.toString(),
    vhost,
    drop: async () => {
      await run('rabbitmqctl', ['-q', 'delete_vhost', vhost]).catch(() => undefined);
    },
  };
}

/** Closes every broker connection of a vhost, as a broker restart would, without stopping the broker. */
export async function closeVhostConnections(vhost: string): Promise<void> {
  await run('rabbitmqctl', ['-q', 'close_all_connections', '-p', vhost, 'test: simulated broker failure']);
}

/**
 * Restarts the RabbitMQ node's application (every connection dropped, durable queues recovered from disk) and
 * resolves once it accepts connections again. Every test of the machine sees it: run only from a serial suite.
 */
export async function restartRabbitMq(): Promise<void> {
  await run('rabbitmqctl', ['-q', 'stop_app']);
  await run('rabbitmqctl', ['-q', 'start_app']);
  await run('rabbitmqctl', ['-q', 'await_startup']);
}

/**
 * Restarts the PostgreSQL cluster (fast shutdown: sessions terminated, then a clean start) and resolves once it
 * answers again. Every test of the machine sees it: run only from a serial suite.
 */
export async function restartPostgres(): Promise<void> {
  const { stdout } = await run('ls', ['/etc/postgresql']);
  const version = stdout.split('\n').filter(Boolean).sort().at(-1);
  if (!version) throw new Error('No PostgreSQL cluster under /etc/postgresql');
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart', '-m', 'fast']);
  await run('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432', '-t', '60']);
}
