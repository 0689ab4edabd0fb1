import { execFileSync } from 'node:child_process';
import { freemem, totalmem } from 'node:os';
import { join } from 'node:path';

import { INestApplication } from '@nestjs/common';
import amqp from 'amqplib';
import { Client } from 'pg';

import { EVENTS_EXCHANGE, PARTNERSTACK_STREAMS, PartnerStackStream, QUEUES } from '@pp/contracts';
import { createScriptLogger } from '@pp/observability';
import { migrateAll } from '@pp/persistence';
import { createTestDatabase, createTestVhost, waitFor } from '@pp/testing';

import { startSandbox } from '../../apps/partnerstack-sandbox/src/start-sandbox';
import {
  DEFAULT_OVERLAP_MINUTES,
  DEFAULT_WARM_WINDOW_DAYS,
  FINAL_PAYMENT_STATUSES,
  FINAL_REWARD_STATUSES,
  WARM_STREAMS,
} from '../../apps/sync/src/sync.constants';
import { warmWindowStart } from '../../apps/sync/src/worker/stream-plan';
import { allMigrationSets } from '../../scripts/migration-sets';
import { SandboxAdmin } from '../../test/integration/sync/sandbox-admin';
import { closeApp, connectOrg, publish, startHandoffServer } from '../../test/integration/sync/sync-harness';
import { rewardChange, Upstream } from './upstream';
import { PhaseCalls, WorkerProcess } from './worker-process';

/**
 * `npm run bench:sync`, on one large sandbox agency (BENCH_SYNC_RECORDS, default 510,000) synced by a real process
 * (scheduler and worker roles, compiled JavaScript):
 * - the first sync at the default pace: API calls against the minimum, wall time, throughput, 429s, peak memory;
 * - then, with a pace high enough that only call counts matter, every freshness tier's calls beside what it must
 *   read: an incremental sync with no change, one after a day of change, a forced warm pass and a full reconcile,
 *   and the day they add up to beside two full syncs.
 */
process.env.LOG_LEVEL ??= 'warn';
// Generated a little above 500,000: the ground truth leaves out records that vanished before "now".
const RECORDS = Number(process.env.BENCH_SYNC_RECORDS ?? 510_000);
/** The worker's V8 heap cap, as its container would set it (NODE_OPTIONS); it bounds how lazily V8 collects. */
const WORKER_HEAP_MB = Number(process.env.BENCH_SYNC_WORKER_HEAP_MB ?? 128);
/** Per-token and global pace of the tier runs: their figures are call counts, so the pace only costs waiting. */
const FAST_REQUESTS_PER_MINUTE = Number(process.env.BENCH_SYNC_FAST_REQUESTS_PER_MINUTE ?? 60_000);
const TOKEN = `sandbox_bench_sync_${RECORDS}`;
const TENANT = 'org-bench';
const PAGE = 250;
const DAY_MS = 86_400_000;
const OVERLAP_MS = DEFAULT_OVERLAP_MINUTES * 60_000;
const WARM_WINDOW_MS = DEFAULT_WARM_WINDOW_DAYS * DAY_MS;
/** A day of the default cadence: a sync every 15 minutes, a warm pass every hour, one full reconcile. */
const DAY_RUNS = { incremental: 96, warm: 24, full: 1 };
/** The sandbox's generated history (SANDBOX_HISTORY_DAYS, docs/sandbox-and-client.md). */
const HISTORY_DAYS = 365;
const root = join(__dirname, '..', '..');
const logger = createScriptLogger('bench-sync');

const pages = (records: number) => Math.max(1, Math.ceil(records / PAGE));
const ratio = (value: number, base: number) => Number((value / base).toFixed(3));

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

interface GroundTruth {
  streams: Record<string, { count: number; includingArchived?: number; available?: boolean }>;
  rewardsByStatus: Record<string, { count: number }>;
  rewardsByPaymentStatus: Record<string, number>;
}

/** Records a full walk of each stream returns (partnerships with archived ones, as the sync reads them). */
function streamCounts(truth: GroundTruth): Record<PartnerStackStream, number> {
  return Object.fromEntries(
    PARTNERSTACK_STREAMS.map((stream) => {
      const entry = truth.streams[stream];
      return [stream, entry.includingArchived ?? (entry.available === false ? 0 : entry.count)];
    }),
  ) as Record<PartnerStackStream, number>;
}

const minimumCalls = (counts: Record<string, number>) =>
  Object.values(counts).reduce((sum, count) => sum + pages(count), 0);

interface StreamStats {
  stream: PartnerStackStream;
  status: string;
  apiCalls: number;
  emitted: number;
  removed: number;
  rateLimited: number;
}

interface Finished {
  syncRunId: string;
  status: string;
  mode: string;
  recordsFetched: number;
  recordsEmitted: number;
  streams: StreamStats[];
}

interface MeasuredRun {
  status: string;
  mode: string;
  /** Counted by the sandbox (every call, retries included). */
  calls: number;
  /** Sum of `streams[].apiCalls` of `sync.run.finished`. */
  runCalls: number;
  emitted: number;
  removed: number;
  rateLimited: number;
  callsByStream: Record<string, number>;
  /** Committed pages per stream and query kind, from the worker's log. */
  phases: PhaseCalls;
  seconds: number;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const kindCalls = (phases: PhaseCalls, prefix: string) =>
  sum(
    Object.values(phases).flatMap((kinds) =>
      Object.entries(kinds)
        .filter(([kind]) => kind.startsWith(prefix))
        .map(([, n]) => n),
    ),
  );

async function main(): Promise<void> {
  const entry = compileWorker();
  const sandbox = await startSandbox({ dealsAndLeads: 'always' });
  const admin = new SandboxAdmin(sandbox.adminUrl);
  const upstream = new Upstream(sandbox.baseUrl, TOKEN);
  await admin.configure(TOKEN, { records: RECORDS });
  const truth = (await admin.groundTruth(TOKEN)) as unknown as GroundTruth;
  const counts = streamCounts(truth);
  const total = sum(Object.values(counts));
  const minimum = minimumCalls(counts);
  logger.info({ counts, total, minimum }, 'Agency generated');

  const database = await createTestDatabase('pp_bench_sync');
  await migrateAll(database.url, allMigrationSets);
  const db = new Client({ connectionString: database.url });
  await db.connect();
  const vhost = await createTestVhost('pp_bench_sync');
  const tokens = new Map<string, string>();
  const handoff: INestApplication = await startHandoffServer(vhost.url, tokens);

  const emittedByRun = new Map<string, number>();
  const finished = new Map<string, Finished>();
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
      const { payload } = JSON.parse(message.content.toString()) as {
        payload: { syncRunId: string; records?: unknown[] };
      };
      if (message.fields.routingKey === 'sync.run.finished') finished.set(payload.syncRunId, payload as Finished);
      else
        emittedByRun.set(
          payload.syncRunId,
          (emittedByRun.get(payload.syncRunId) ?? 0) + (payload.records?.length ?? 1),
        );
    },
    { noAck: true },
  );

  const pgVersion = (await db.query<{ server_version: string }>('show server_version')).rows[0].server_version;
  const rabbitVersion = String(
    (broker as unknown as { connection: { serverProperties: { version?: string } } }).connection.serverProperties
      .version ?? 'unknown',
  );
  const machine = {
    nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    totalMemGb: Number((totalmem() / 2 ** 30).toFixed(1)),
    freeMemGb: Number((freemem() / 2 ** 30).toFixed(1)),
    node: process.version,
    postgres: pgVersion,
    rabbitmq: rabbitVersion,
  };

  const startWorker = (env: Record<string, string>) =>
    new WorkerProcess(
      entry,
      WORKER_HEAP_MB,
      {
        ...process.env,
        NODE_ENV: 'development',
        DATABASE_URL: database.url,
        AMQP_URL: vhost.url,
        PARTNERSTACK_API_URL: sandbox.baseUrl,
        SYNC_ROLE: 'all',
        // Every run is requested by the benchmark; a scheduled one in between would take a request's place.
        SYNC_INTERVAL_MINUTES: '1440',
        PORT: String(40_000 + Math.floor(Math.random() * 20_000)),
        ...env,
      },
      root,
    );
  // The app must be consuming before the first job (or request): wait for its queue consumer.
  const waitForConsumer = () =>
    waitFor(
      async () => {
        // A passive check of a missing queue closes its channel, so each check gets a channel of its own.
        const probe = await broker.createChannel();
        probe.on('error', () => undefined);
        const { consumerCount } = await probe.checkQueue(QUEUES.syncJobs.queue).catch(() => ({ consumerCount: 0 }));
        await probe.close().catch(() => undefined);
        return consumerCount > 0;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: 'the worker to consume sync jobs' },
    );
  let connectionId = '';
  // The worker releases the org lease after publishing the outcome and acknowledges the job after that: stopping it
  // or requesting the next run before then would meet a live lease.
  const waitForLeaseReleased = () =>
    waitFor(
      async () =>
        (await db.query('select 1 from sync.org_lease where connection_id = $1', [connectionId])).rowCount === 0,
      { timeoutMs: 60_000, intervalMs: 100, description: 'the org lease to be released' },
    );
  const watermark = async (stream: PartnerStackStream) =>
    Number(
      (
        await db.query<{ watermark: string }>(
          'select watermark from sync.stream_state where connection_id = $1 and stream = $2',
          [connectionId, stream],
        )
      ).rows[0].watermark,
    );

  let worker = startWorker({ LOG_LEVEL: 'warn' });
  process.once('exit', () => worker.kill());
  try {
    await admin.resetStats(TOKEN);
    await waitForConsumer();
    const started = Date.now();
    connectionId = await connectOrg(handoff, TENANT);
    tokens.set(connectionId, TOKEN);
    const first = await waitFor(() => [...finished.values()].find((run) => run.status !== 'running'), {
      timeoutMs: 3_600_000,
      intervalMs: 250,
      description: 'the first sync to finish',
    });
    const wallSeconds = (Date.now() - started) / 1000;
    const firstStats = await admin.stats(TOKEN);
    await waitForLeaseReleased();
    const peak = worker.peakRssMb();
    const firstSync = {
      records: total,
      status: first.status,
      recordsFetched: first.recordsFetched,
      eventsEmitted: first.recordsEmitted,
      eventsReceived: emittedByRun.get(first.syncRunId) ?? 0,
      apiCalls: firstStats.requests,
      minimumCalls: minimum,
      callsVsMinimum: ratio(firstStats.requests, minimum),
      rateLimited: firstStats.rateLimited,
      wallSeconds: Number(wallSeconds.toFixed(1)),
      recordsPerSecond: Math.round(total / wallSeconds),
      workerPeakRssMb: Number(peak.toFixed(1)),
      workerHeapCapMb: WORKER_HEAP_MB,
    };
    logger.warn(firstSync, 'First sync measured');

    await worker.stop();
    worker = startWorker({
      LOG_LEVEL: 'info',
      PARTNERSTACK_REQUESTS_PER_MINUTE: String(FAST_REQUESTS_PER_MINUTE),
      PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE: String(FAST_REQUESTS_PER_MINUTE),
    });
    await waitForConsumer();

    const runSync = async (syncRunId: string, mode: 'incremental' | 'full'): Promise<MeasuredRun> => {
      await admin.resetStats(TOKEN);
      worker.takeCalls();
      const runStarted = Date.now();
      await publish(handoff, 'sync.requested', { connectionId, syncRunId, reason: 'manual', mode }, TENANT);
      const run = await waitFor(() => finished.get(syncRunId), {
        timeoutMs: 3_600_000,
        intervalMs: 100,
        description: `run ${syncRunId} to finish`,
      });
      const seconds = (Date.now() - runStarted) / 1000;
      const stats = await admin.stats(TOKEN);
      await waitForLeaseReleased();
      const measured: MeasuredRun = {
        status: run.status,
        mode: run.mode,
        calls: stats.requests,
        runCalls: sum(run.streams.map((stream) => stream.apiCalls)),
        emitted: emittedByRun.get(syncRunId) ?? 0,
        removed: sum(run.streams.map((stream) => stream.removed)),
        rateLimited: stats.rateLimited,
        callsByStream: Object.fromEntries(run.streams.map((stream) => [stream.stream, stream.apiCalls])),
        phases: worker.takeCalls(),
        seconds: Number(seconds.toFixed(1)),
      };
      logger.warn({ syncRunId, ...measured }, `Run ${syncRunId} measured`);
      return measured;
    };

    // 1. No change since the first sync: one window call per stream (more where a day of records fills more than
    // a page: the overlap re-reads the last day) plus the open-reward sweep.
    const openTruth = (await admin.groundTruth(TOKEN)) as unknown as GroundTruth;
    const openStatuses = Object.keys(openTruth.rewardsByStatus).filter((s) => !FINAL_REWARD_STATUSES.includes(s));
    const openRewards = sum(openStatuses.map((status) => openTruth.rewardsByStatus[status].count));
    const sweepPages = sum(openStatuses.map((status) => pages(openTruth.rewardsByStatus[status].count)));
    const noChange = await runSync('bench-no-change', 'incremental');
    const noChangeTarget = PARTNERSTACK_STREAMS.length + sweepPages;

    // 2. One day of change. The rewards are walked before and after, outside the measured run.
    const sweptBefore = (await watermark('rewards')) - OVERLAP_MS;
    const rewardsBefore = await upstream.rewards();
    await admin.advance(TOKEN, 1);
    const rewardsAfter = await upstream.rewards();
    const change = rewardChange(rewardsBefore, rewardsAfter, sweptBefore);
    const oneDay = await runSync('bench-one-day', 'incremental');
    const readbackCalls = kindCalls(oneDay.phases, 'readback');

    // 3. A warm pass, forced by forgetting when the last one ran, beside the pages of its window.
    const warmWindow: Record<string, { records: number; pages: number }> = {};
    for (const stream of WARM_STREAMS) {
      const start = warmWindowStart(await watermark(stream), OVERLAP_MS, WARM_WINDOW_MS);
      const records = await upstream.countCreatedAfter(stream, start);
      warmWindow[stream] = { records, pages: pages(records) };
    }
    await db.query('update sync.stream_state set last_warm_at = null where connection_id = $1', [connectionId]);
    const warm = await runSync('bench-warm', 'incremental');
    const warmStreams = [...WARM_STREAMS];
    const warmCalls = sum(warmStreams.map((stream) => warm.callsByStream[stream] ?? 0));
    const warmPages = sum(warmStreams.map((stream) => warmWindow[stream].pages));
    const warmRecords = sum(warmStreams.map((stream) => warmWindow[stream].records));

    // 4. A full reconcile, beside the minimum for what the agency holds now.
    const fullCounts = streamCounts((await admin.groundTruth(TOKEN)) as unknown as GroundTruth);
    const fullMinimum = minimumCalls(fullCounts);
    const full = await runSync('bench-full', 'full');

    // 5. The day at the default cadence, from the per-run figures above.
    const dayCalls = DAY_RUNS.incremental * noChange.calls + DAY_RUNS.warm * warmCalls + DAY_RUNS.full * full.calls;
    const warmStreamRecords = sum(warmStreams.map((stream) => fullCounts[stream]));
    // Payment statuses still moving, of rewards of any status ('null': none yet); the worker adds a payment sweep for
    // one only once a paid reward has it, so this explains a payment sweep in the figures rather than predicting one.
    const movingPaymentStatuses = Object.keys(openTruth.rewardsByPaymentStatus).filter(
      (status) => status !== 'null' && !FINAL_PAYMENT_STATUSES.includes(status),
    );

    const figures = {
      machine,
      firstSync,
      tierPace: FAST_REQUESTS_PER_MINUTE,
      incrementalNoChange: {
        ...noChange,
        openRewards,
        openStatuses,
        movingPaymentStatusesInTruth: movingPaymentStatuses,
        target: noChangeTarget,
        vsTarget: ratio(noChange.calls, noChangeTarget),
        windowCalls: kindCalls(noChange.phases, 'window'),
        sweepCalls: kindCalls(noChange.phases, 'sweep'),
        paymentSweepCalls: kindCalls(noChange.phases, 'payment-sweep'),
      },
      incrementalOneDay: {
        ...oneDay,
        change,
        windowCalls: kindCalls(oneDay.phases, 'window'),
        sweepCalls: kindCalls(oneDay.phases, 'sweep'),
        paymentSweepCalls: kindCalls(oneDay.phases, 'payment-sweep'),
        readbackCalls,
        readbackCustomerCalls: kindCalls(oneDay.phases, 'readback-customer'),
        readbackRangeCalls: kindCalls(oneDay.phases, 'readback-range'),
        readbackAllCalls: kindCalls(oneDay.phases, 'readback:all'),
      },
      warm: {
        ...warm,
        window: warmWindow,
        warmCalls,
        warmPages,
        vsPages: ratio(warmCalls, warmPages),
        met: warmCalls <= warmPages * 1.05,
      },
      full: {
        ...full,
        minimum: fullMinimum,
        vsMinimum: ratio(full.calls, fullMinimum),
        met: full.calls <= fullMinimum * 1.05,
      },
      day: {
        runs: DAY_RUNS,
        calls: dayCalls,
        twoFullSyncs: 2 * full.calls,
        vsTwoFullSyncs: ratio(dayCalls, 2 * full.calls),
        met: dayCalls < 2 * full.calls,
        warmWindowShareOfWarmStreams: ratio(warmRecords, warmStreamRecords),
        warmWindowShareOfAgency: ratio(warmRecords, sum(Object.values(fullCounts))),
        warmWindowDays: DEFAULT_WARM_WINDOW_DAYS,
        historyDays: HISTORY_DAYS,
      },
    };
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
    const one = figures.incrementalOneDay;
    const lines = [
      `machine: nproc ${machine.nproc}, memory ${machine.totalMemGb} GiB (${machine.freeMemGb} free), node ${machine.node}, PostgreSQL ${machine.postgres}, RabbitMQ ${machine.rabbitmq}`,
      `first sync (default pace): ${firstSync.apiCalls} calls / minimum ${minimum} = ${firstSync.callsVsMinimum}x; ${firstSync.records} records in ${firstSync.wallSeconds} s (${firstSync.recordsPerSecond} rec/s); ${firstSync.rateLimited} 429s; worker peak RSS ${firstSync.workerPeakRssMb} MB`,
      `tier runs at ${FAST_REQUESTS_PER_MINUTE} requests/min:`,
      `incremental, no change: ${noChange.calls} calls (window ${figures.incrementalNoChange.windowCalls}, partnerships whole ${kindCalls(noChange.phases, 'all')}, sweep ${figures.incrementalNoChange.sweepCalls}, payment sweep ${figures.incrementalNoChange.paymentSweepCalls}) vs target ${noChangeTarget} = ${PARTNERSTACK_STREAMS.length} streams + ${sweepPages} sweep pages (${openRewards} open rewards in ${openStatuses.join('/')}) = ${figures.incrementalNoChange.vsTarget}x; ${noChange.emitted} emitted`,
      `incremental, one day: ${oneDay.calls} calls (window ${one.windowCalls}, partnerships whole ${kindCalls(oneDay.phases, 'all')}, sweep ${one.sweepCalls}, payment sweep ${one.paymentSweepCalls}, read-back ${readbackCalls}: ${one.readbackCustomerCalls} by customer, ${one.readbackRangeCalls} by range, ${one.readbackAllCalls} whole); ${change.changed} changed rewards (${change.created} new, ${change.clawbacks} clawbacks), ${change.oldChanged} older than the window over ${change.oldChangedCustomers} customers, ${change.departed} of them departed over ${change.departedCustomers} customers; ${oneDay.emitted} records emitted`,
      `warm pass: ${warmCalls} calls on ${warmStreams.join('/')} vs ${warmPages} pages (${warmRecords} records created within ${DEFAULT_WARM_WINDOW_DAYS} days of the watermark) = ${figures.warm.vsPages}x (target <= 1.05x: ${figures.warm.met ? 'met' : 'MISSED'}); run total ${warm.calls}, ${warm.removed} removals`,
      `full reconcile: ${full.calls} calls vs minimum ${fullMinimum} = ${figures.full.vsMinimum}x (target <= 1.05x: ${figures.full.met ? 'met' : 'MISSED'}); ${full.emitted} emitted, ${full.removed} removals`,
      `day (${DAY_RUNS.incremental} incremental + ${DAY_RUNS.warm} warm + ${DAY_RUNS.full} full): ${dayCalls} calls vs two full syncs ${2 * full.calls} = ${figures.day.vsTwoFullSyncs}x (target < 1x: ${figures.day.met ? 'met' : `MISSED by ${dayCalls - 2 * full.calls} calls`}); the warm window holds ${pct(figures.day.warmWindowShareOfWarmStreams)} of the warm streams' records, ${pct(figures.day.warmWindowShareOfAgency)} of the agency's (${HISTORY_DAYS} days of history)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const runs = [first, noChange, oneDay, warm, full];
    if (runs.some((run) => run.status !== 'succeeded') || firstSync.callsVsMinimum > 1.05 || peak >= 256)
      process.exitCode = 1;
  } finally {
    worker.kill();
    await channel.close().catch(() => undefined);
    await broker.close().catch(() => undefined);
    await db.end().catch(() => undefined);
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
