import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { join } from 'node:path';

import amqp from 'amqplib';

import { EVENTS_EXCHANGE, PARTNERSTACK_STREAMS } from '@pp/contracts';
import { createScriptLogger } from '@pp/observability';
import { migrateAll } from '@pp/persistence';
import { createTestDatabase, createTestVhost, startSandbox, waitFor } from '@pp/testing';

import { allMigrationSets } from '../../scripts/migration-sets';
import { SandboxAdmin } from '../../test/integration/sync/sandbox-admin';
import { closeApp, connectOrg, startHandoffServer } from '../../test/integration/sync/sync-harness';

/**
 * `npm run bench:sync`: a first sync of one large sandbox agency by a real worker process (scheduler and worker
 * roles, compiled JavaScript), measuring API calls against the minimum, wall time, throughput, 429s and the
 * worker's peak resident memory. BENCH_SYNC_RECORDS sets the size (default 510,000).
 */
process.env.LOG_LEVEL ??= 'warn';
// Generated a little above 500,000: the ground truth leaves out records that vanished before "now".
const RECORDS = Number(process.env.BENCH_SYNC_RECORDS ?? 510_000);
/** The worker's V8 heap cap, as its container would set it (NODE_OPTIONS); it bounds how lazily V8 collects. */
const WORKER_HEAP_MB = Number(process.env.BENCH_SYNC_WORKER_HEAP_MB ?? 128);
const TOKEN = `sandbox_bench_sync_${RECORDS}`;
const root = join(__dirname, '..', '..');
const logger = createScriptLogger('bench-sync');

function compileWorker(): string {
  const bin = (name: string) => join(root, 'node_modules', '.bin', name);
  const project = join(__dirname, 'tsconfig.worker.json');
  try {
    execFileSync(bin('tsc'), ['-p', project], { cwd: root, stdio: 'pipe' });
  } catch {
    // Type errors elsewhere in the tree do not stop the emit (noEmitOnError is off); a missing file would.
  }
  execFileSync(bin('tsc-alias'), ['-p', project], { cwd: root, stdio: 'inherit' });
  return join(root, 'dist', 'bench-sync', 'apps', 'sync', 'src', 'main.js');
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

async function main(): Promise<void> {
  const entry = compileWorker();
  const sandbox = await startSandbox({ dealsAndLeads: 'always' });
  const admin = new SandboxAdmin(sandbox.adminUrl);
  await admin.configure(TOKEN, { records: RECORDS });
  const truth = (await admin.groundTruth(TOKEN)) as unknown as {
    streams: Record<string, { count: number; includingArchived?: number; available?: boolean }>;
  };
  const counts = Object.fromEntries(
    PARTNERSTACK_STREAMS.map((stream) => {
      const entry = truth.streams[stream];
      return [stream, entry.includingArchived ?? (entry.available === false ? 0 : entry.count)];
    }),
  ) as Record<string, number>;
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  const minimum = Object.values(counts).reduce((sum, count) => sum + Math.max(1, Math.ceil(count / 250)), 0);
  logger.info({ counts, total, minimum }, 'Agency generated');

  const database = await createTestDatabase('pp_bench_sync');
  await migrateAll(database.url, allMigrationSets);
  const vhost = await createTestVhost('pp_bench_sync');
  const tokens = new Map<string, string>();
  const handoff = await startHandoffServer(vhost.url, tokens);

  const received = { raw: 0 };
  let finished: Record<string, unknown> | undefined;
  const broker = await amqp.connect(vhost.url);
  const channel = await broker.createChannel();
  await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, EVENTS_EXCHANGE, 'partnerstack.raw.#');
  await channel.bindQueue(queue, EVENTS_EXCHANGE, 'sync.run.finished');
  await channel.consume(
    queue,
    (message) => {
      if (!message) return;
      if (message.fields.routingKey === 'sync.run.finished') finished = JSON.parse(message.content.toString()).payload;
      else {
        const { payload } = JSON.parse(message.content.toString()) as { payload: { records?: unknown[] } };
        received.raw += payload.records?.length ?? 1;
      }
    },
    { noAck: true },
  );

  const worker: ChildProcess = spawn(process.execPath, [`--max-old-space-size=${WORKER_HEAP_MB}`, entry], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      AMQP_URL: vhost.url,
      PARTNERSTACK_API_URL: sandbox.baseUrl,
      SYNC_ROLE: 'all',
      PORT: String(40_000 + Math.floor(Math.random() * 20_000)),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  process.once('exit', () => worker.kill('SIGKILL'));
  try {
    await admin.resetStats(TOKEN);
    // The worker's app must be consuming before the first job: wait for its queue consumer.
    await waitFor(
      async () => {
        // A passive check of a missing queue closes its channel, so each check gets a channel of its own.
        const probe = await broker.createChannel();
        probe.on('error', () => undefined);
        const { consumerCount } = await probe.checkQueue('sync.jobs');
        await probe.close().catch(() => undefined);
        return consumerCount > 0;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: 'the worker to consume sync jobs' },
    );
    const started = Date.now();
    const connectionId = await connectOrg(handoff, 'org-bench');
    tokens.set(connectionId, TOKEN);
    await waitFor(() => finished, { timeoutMs: 3_600_000, intervalMs: 250, description: 'the sync to finish' });
    const wallSeconds = (Date.now() - started) / 1000;
    const peak = peakRssMb(worker.pid!);
    const stats = await admin.stats(TOKEN);
    const run = finished as { status: string; recordsFetched: number; recordsEmitted: number };
    const figures = {
      records: total,
      status: run.status,
      recordsFetched: run.recordsFetched,
      eventsEmitted: run.recordsEmitted,
      eventsReceived: received.raw,
      apiCalls: stats.requests,
      minimumCalls: minimum,
      callsVsMinimum: Number((stats.requests / minimum).toFixed(4)),
      rateLimited: stats.rateLimited,
      wallSeconds: Number(wallSeconds.toFixed(1)),
      recordsPerSecond: Math.round(total / wallSeconds),
      workerPeakRssMb: Number(peak.toFixed(1)),
      workerHeapCapMb: WORKER_HEAP_MB,
      machine: {
        cpus: cpus().length,
        totalMemGb: Number((totalmem() / 2 ** 30).toFixed(1)),
        freeMemGb: Number((freemem() / 2 ** 30).toFixed(1)),
        node: process.version,
      },
    };
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    if (run.status !== 'succeeded' || figures.callsVsMinimum > 1.05 || peak >= 256) process.exitCode = 1;
  } finally {
    worker.kill('SIGKILL');
    await channel.close().catch(() => undefined);
    await broker.close().catch(() => undefined);
    await closeApp(handoff);
    await sandbox.close();
    await vhost.drop();
    await database.drop();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    logger.fatal({ err: error }, 'Sync benchmark failed');
    process.exit(1);
  },
);
