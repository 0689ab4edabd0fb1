import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';

import { Client } from 'pg';

import { DEVELOPMENT_JWT_SECRET } from '@pp/config';
import { migrateAll } from '@pp/persistence';
import { createTestDatabase, createTestVhost, DEPLOYED_NODE_OPTIONS, ServiceProcess, waitFor } from '@pp/testing';

import { allMigrationSets } from '../../scripts/migration-sets';
import {
  adminJwt,
  CredentialsApi,
  expectedFigures,
  fetchSummary,
  GroundTruth,
  http,
  reportedFigures,
  SandboxAdmin,
} from '../../test/e2e/support/pipeline';
import { percentile } from '../support/percentile';
import { FleetAgency, fleetAt, minimumFirstSyncCalls, noChangeSyncCalls, SizeClass } from './fleet';

/**
 * `npm run bench:fleet [-- --scale 0.1] [-- --modes deployed]`: a fleet of agencies on one deployment. The sandbox,
 * credentials, the sync scheduler and two sync workers, the normalizer and reporting each run as their own process
 * (compiled: `dist/` must be built) against PostgreSQL and RabbitMQ, with the deployed budget (global and per
 * token). The fleet (bench/fleet/fleet.ts: 1 agency of 200,000 records, 10 of 20,000, 189 of about 1,000 at scale
 * 1) connects within one minute, largest first. Printed: time until every first sync is reported, time to first
 * sync per size class, API calls against the minimum, the busiest minute at the sandbox against the budget, peak RSS
 * per process (as deployed, with the manifests' NODE_OPTIONS, and plainly), reporting latency for a small tenant
 * while the large one is still being synced and normalized, bytes per record per table, status history growth over a
 * month of change, and the steady state's calls per hour against agencies x streams x syncs per hour. Nothing is
 * gated on time; the exit code is non-zero only if the fleet did not finish.
 */
const { values: options } = parseArgs({
  options: {
    scale: { type: 'string', default: process.env.BENCH_FLEET_SCALE ?? '1' },
    /** `deployed` (the manifests' NODE_OPTIONS), `plain`, or both, one fleet each (the second: first syncs only). */
    modes: { type: 'string', default: process.env.BENCH_FLEET_MODES ?? 'deployed,plain' },
    'connect-seconds': { type: 'string', default: '60' },
    /** The steady state runs at a shortened cadence, so that a few syncs of every agency fit in minutes. */
    'steady-interval-minutes': { type: 'string', default: process.env.BENCH_FLEET_STEADY_INTERVAL_MINUTES ?? '3' },
    'steady-intervals': { type: 'string', default: '2' },
    'noise-seconds': { type: 'string', default: '10' },
  },
});
const SCALE = Number(options.scale);
const MODES = options.modes!.split(',').map((mode) => mode.trim()) as Array<'deployed' | 'plain'>;
const CONNECT_MS = Number(options['connect-seconds']) * 1000;
const STEADY_INTERVAL_MINUTES = Number(options['steady-interval-minutes']);
const STEADY_INTERVALS = Number(options['steady-intervals']);
const NOISE_SECONDS = Number(options['noise-seconds']);
/** The deployed defaults (apps/sync/src/config/sync.env.ts), named here so the output can set figures against them. */
const GLOBAL_PER_MINUTE = Number(process.env.BENCH_FLEET_GLOBAL_REQUESTS_PER_MINUTE ?? 3000);
const TOKEN_PER_MINUTE = Number(process.env.BENCH_FLEET_REQUESTS_PER_MINUTE ?? 600);
const DEPLOYED_INTERVAL_MINUTES = 15;
const NOISE_CONCURRENCY = 10;
const FLEET_TIMEOUT_MS = 90 * 60_000;
const WORKERS = 2;

const out = (line = '') => process.stdout.write(`${line}\n`);
const round = (value: number, digits = 1) => Number(value.toFixed(digits));
const seconds = (ms: number) => round(ms / 1000);
const thousands = (value: number) => Math.round(value).toLocaleString('en-US');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

function shell(command: string): string {
  try {
    return execFileSync('bash', ['-c', command], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function machine(): string {
  return [
    `nproc ${cpus().length} (${cpus()[0]?.model ?? 'unknown CPU'})`,
    `memory ${round(totalmem() / 2 ** 30)} GiB (${round(freemem() / 2 ** 30)} GiB free)`,
    `node ${process.version}`,
    `PostgreSQL ${shell("psql -h 127.0.0.1 -U postgres -tAc 'show server_version'")}`,
    `RabbitMQ ${shell('rabbitmqctl -q version')}`,
    `load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  ].join(', ');
}

/** Peak resident set (VmHWM) of a live process, in MB. */
function peakRssMb(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

/** CPU seconds (user + system) a live process has used, from /proc/<pid>/stat (clock ticks of 1/100 s). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

type CpuSnapshot = Record<string, number>;

const cpuSnapshot = (deployment: Deployment): CpuSnapshot =>
  Object.fromEntries(Object.entries(deployment.processes).map(([name, service]) => [name, cpuSeconds(service.pid)]));

/** CPU seconds per process since `since` (the scheduler, restarted for the steady state, counts from its start). */
function printCpu(deployment: Deployment, since: CpuSnapshot, what: string): void {
  const now = cpuSnapshot(deployment);
  const used = Object.entries(now).map(([name, value]) => `${name} ${round(value - (since[name] ?? 0))} s`);
  out(`CPU seconds ${what}: ${used.join(', ')}`);
}

/** The database's committed transactions and rows written, from pg_stat_database. */
async function writeCounters(db: Client): Promise<{ commits: number; rows: number }> {
  const { rows } = await db.query<{ commits: string; rows: string }>(
    `select xact_commit as commits, tup_inserted + tup_updated + tup_deleted as rows
     from pg_stat_database where datname = current_database()`,
  );
  return { commits: Number(rows[0].commits), rows: Number(rows[0].rows) };
}

interface SandboxStats {
  total: { requests: number };
  peakRequestsPerMinute: number;
}

class Sandbox {
  constructor(public readonly process: ServiceProcess) {}

  public get apiUrl(): string {
    return `${this.process.url}/api/v2`;
  }

  public admin(token: string): SandboxAdmin {
    return new SandboxAdmin(`${this.process.url}/admin`, token);
  }

  public async stats(): Promise<SandboxStats> {
    return (await http<SandboxStats>(`${this.process.url}/admin/stats`)).body;
  }

  public async resetStats(): Promise<void> {
    await http(`${this.process.url}/admin/stats`, { method: 'DELETE' });
  }
}

interface Deployment {
  databaseUrl: string;
  amqpUrl: string;
  db: Client;
  processes: Record<string, ServiceProcess>;
  stop(): Promise<void>;
}

/** Every service as its own process, as the manifests run them (`deployed`) or with no V8 flags at all (`plain`). */
async function deploy(sandbox: Sandbox, mode: 'deployed' | 'plain', prefix: string): Promise<Deployment> {
  const [database, vhost] = await Promise.all([createTestDatabase(prefix), createTestVhost(prefix)]);
  await migrateAll(database.url, allMigrationSets);
  const shared = {
    DATABASE_URL: database.url,
    AMQP_URL: vhost.url,
    PARTNERSTACK_API_URL: sandbox.apiUrl,
    JWT_SECRET: DEVELOPMENT_JWT_SECRET,
    LOG_LEVEL: 'warn',
  };
  const nodeOptions = (deployed: string | undefined) => ({ NODE_OPTIONS: mode === 'deployed' ? (deployed ?? '') : '' });
  const sync = {
    ...shared,
    PARTNERSTACK_REQUESTS_PER_MINUTE: String(TOKEN_PER_MINUTE),
    PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE: String(GLOBAL_PER_MINUTE),
    SYNC_INTERVAL_MINUTES: String(DEPLOYED_INTERVAL_MINUTES),
  };
  const processes: Record<string, ServiceProcess> = {};
  const start = async (name: string, app: 'credentials' | 'sync' | 'normalizer' | 'reporting', env: object) => {
    processes[name] = await ServiceProcess.start({
      app,
      name,
      env: env as Record<string, string>,
      readyTimeoutMs: 60_000,
    });
  };
  const db = new Client({ connectionString: database.url });
  await db.connect();
  try {
    await Promise.all([
      start('normalizer', 'normalizer', { ...shared, ...nodeOptions(DEPLOYED_NODE_OPTIONS.normalizer) }),
      start('reporting', 'reporting', { ...shared, AMQP_URL: undefined, ...nodeOptions(undefined) }),
      start('credentials', 'credentials', { ...shared, ...nodeOptions(undefined) }),
      start('sync-scheduler', 'sync', { ...sync, SYNC_ROLE: 'scheduler', ...nodeOptions(undefined) }),
      ...Array.from({ length: WORKERS }, (_, i) =>
        start(`sync-worker-${i + 1}`, 'sync', {
          ...sync,
          SYNC_ROLE: 'worker',
          ...nodeOptions(DEPLOYED_NODE_OPTIONS.syncWorker),
        }),
      ),
    ]);
  } catch (error) {
    await Promise.all(Object.values(processes).map((service) => service.stop(5_000)));
    await db.end();
    await Promise.all([database.drop(), vhost.drop()]);
    throw error;
  }
  return {
    databaseUrl: database.url,
    amqpUrl: vhost.url,
    db,
    processes,
    stop: async () => {
      await Promise.all(Object.values(processes).map((service) => service.stop(5_000)));
      await db.end();
      await Promise.all([database.drop(), vhost.drop()]);
    },
  };
}

/** Restarts the scheduler with `env` on top of the sync's own (the steady state's shortened cadence). */
async function restartScheduler(deployment: Deployment, sandbox: Sandbox, env: Record<string, string>): Promise<void> {
  const old = deployment.processes['sync-scheduler'];
  await old.stop();
  deployment.processes['sync-scheduler'] = await ServiceProcess.start({
    app: 'sync',
    name: 'sync-scheduler',
    env: {
      DATABASE_URL: deployment.databaseUrl,
      AMQP_URL: deployment.amqpUrl,
      PARTNERSTACK_API_URL: sandbox.apiUrl,
      JWT_SECRET: DEVELOPMENT_JWT_SECRET,
      LOG_LEVEL: 'warn',
      NODE_OPTIONS: '',
      SYNC_ROLE: 'scheduler',
      PARTNERSTACK_REQUESTS_PER_MINUTE: String(TOKEN_PER_MINUTE),
      PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE: String(GLOBAL_PER_MINUTE),
      ...env,
    },
  });
}

interface AgencyRun {
  agency: FleetAgency;
  truth: GroundTruth;
  jwt: string;
  connectedAt?: number;
  syncedAt?: number;
  reportedAt?: number;
  firstRunStatus?: string;
  firstRunCalls?: number;
}

interface FirstRunRow {
  tenant_id: string;
  status: string;
  finished_at: Date | null;
  api_calls: string;
}

/** Latencies of `path` for one tenant under `concurrency` requests at a time for `durationMs`. */
async function loadReporting(
  reportingUrl: string,
  jwt: string,
  path: string,
  durationMs: number,
): Promise<{ requests: number; errors: number; p50: number; p95: number; max: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const until = Date.now() + durationMs;
  await Promise.all(
    Array.from({ length: NOISE_CONCURRENCY }, async () => {
      while (Date.now() < until) {
        const started = performance.now();
        const response = await fetch(`${reportingUrl}${path}`, { headers: { authorization: `Bearer ${jwt}` } });
        await response.arrayBuffer();
        latencies.push(performance.now() - started);
        if (response.status !== 200) errors += 1;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    p50: round(percentile(latencies, 0.5)),
    p95: round(percentile(latencies, 0.95)),
    max: round(latencies.at(-1) ?? Number.NaN),
  };
}

function distribution(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 'none';
  return `p50 ${seconds(percentile(sorted, 0.5))} s, p95 ${seconds(percentile(sorted, 0.95))} s, max ${seconds(sorted.at(-1)!)} s`;
}

/**
 * The whole fleet's first syncs: connects every agency within CONNECT_MS, then polls PostgreSQL for each first
 * run's end and reporting's summary for each agency until it equals the sandbox's ground truth.
 */
async function firstSyncs(
  deployment: Deployment,
  sandbox: Sandbox,
  runs: AgencyRun[],
  noisyNeighbour: boolean,
): Promise<{ startedAt: number; noise?: Awaited<ReturnType<typeof loadReporting>> & { largeStillRunning: boolean } }> {
  const credentialsUrl = deployment.processes.credentials.url;
  const reportingUrl = deployment.processes.reporting.url;
  await sandbox.resetStats();
  const startedAt = Date.now();
  const connects = runs.map(async (run, i) => {
    await sleep(Math.max(0, startedAt + (i * CONNECT_MS) / runs.length - Date.now()));
    run.connectedAt = Date.now();
    const answer = await new CredentialsApi(credentialsUrl, run.jwt).connect(run.agency.token);
    if (answer.status !== 200) throw new Error(`PUT token of ${run.agency.tenantId}: ${answer.status}`);
  });
  const byTenant = new Map(runs.map((run) => [run.agency.tenantId, run]));
  const expected = new Map(runs.map((run) => [run.agency.tenantId, JSON.stringify(expectedFigures(run.truth))]));
  const large = runs.find((run) => run.agency.sizeClass === 'large')!;
  let noise: (Awaited<ReturnType<typeof loadReporting>> & { largeStillRunning: boolean }) | undefined;
  let noiseRun: Promise<void> | undefined;
  let lastProgress = Date.now();

  await waitFor(
    async () => {
      const { rows } = await deployment.db.query<FirstRunRow>(
        `select distinct on (r.connection_id) r.tenant_id, r.status, r.finished_at,
                (select coalesce(sum(s.api_calls), 0) from sync.run_stream s where s.run_id = r.id) as api_calls
         from sync.run r order by r.connection_id, r.queued_at`,
      );
      for (const row of rows) {
        const run = byTenant.get(row.tenant_id);
        if (!run || run.syncedAt || !row.finished_at) continue;
        run.syncedAt = row.finished_at.getTime();
        run.firstRunStatus = row.status;
        run.firstRunCalls = Number(row.api_calls);
      }
      const pending = runs.filter((run) => run.syncedAt && !run.reportedAt);
      for (let i = 0; i < pending.length; i += 8) {
        await Promise.all(
          pending.slice(i, i + 8).map(async (run) => {
            const figures = reportedFigures(await fetchSummary(reportingUrl, run.jwt));
            if (JSON.stringify(figures) === expected.get(run.agency.tenantId)) run.reportedAt = Date.now();
          }),
        );
      }
      const reportedSmall = runs.find((run) => run.agency.sizeClass === 'small' && run.reportedAt);
      if (noisyNeighbour && !noiseRun && reportedSmall && !large.reportedAt) {
        noiseRun = loadReporting(reportingUrl, reportedSmall.jwt, '/v1/summary', NOISE_SECONDS * 1000).then(
          (result) => {
            noise = { ...result, largeStillRunning: !large.reportedAt };
          },
        );
      }
      if (Date.now() - lastProgress >= 30_000) {
        lastProgress = Date.now();
        const stats = await sandbox.stats();
        out(
          `  ${seconds(Date.now() - startedAt)} s: ${runs.filter((run) => run.connectedAt).length} connected, ${runs.filter((run) => run.syncedAt).length} first syncs finished, ${runs.filter((run) => run.reportedAt).length} reported; sandbox ${stats.total.requests} calls, busiest minute ${stats.peakRequestsPerMinute}`,
        );
      }
      return runs.every((run) => run.reportedAt);
    },
    { timeoutMs: FLEET_TIMEOUT_MS, intervalMs: 1_000, description: 'every first sync to be reported' },
  );
  await Promise.all(connects);
  await noiseRun;
  return { startedAt, noise };
}

function printFirstSyncs(runs: AgencyRun[], startedAt: number, stats: SandboxStats): void {
  const lastReported = Math.max(...runs.map((run) => run.reportedAt!));
  const lastConnected = Math.max(...runs.map((run) => run.connectedAt!));
  out(
    `every first sync reported: ${seconds(lastReported - startedAt)} s after the first connect (${seconds(lastConnected - startedAt)} s to connect them all)`,
  );
  const statuses = new Map<string, number>();
  for (const run of runs) statuses.set(run.firstRunStatus!, (statuses.get(run.firstRunStatus!) ?? 0) + 1);
  out(`first runs: ${[...statuses].map(([status, count]) => `${count} ${status}`).join(', ')}`);
  out('time to first sync per size class, from its connect (sync finished | reported: summary equals ground truth):');
  for (const sizeClass of ['large', 'medium', 'small'] as SizeClass[]) {
    const members = runs.filter((run) => run.agency.sizeClass === sizeClass);
    if (members.length === 0) continue;
    const records = members.map((run) => run.agency.records);
    out(
      `  ${sizeClass.padEnd(6)} ${String(members.length).padStart(3)} agencies of ${thousands(Math.min(...records))}${records.some((r) => r !== records[0]) ? `-${thousands(Math.max(...records))}` : ''} records: synced ${distribution(members.map((run) => run.syncedAt! - run.connectedAt!))} | reported ${distribution(members.map((run) => run.reportedAt! - run.connectedAt!))}`,
    );
  }
  const large = runs.find((run) => run.agency.sizeClass === 'large')!;
  const smallReported = runs
    .filter((run) => run.agency.sizeClass === 'small')
    .filter((run) => run.reportedAt! <= large.syncedAt!).length;
  out(
    `  small agencies reported before the large agency's first sync finished: ${smallReported} of ${runs.filter((run) => run.agency.sizeClass === 'small').length}`,
  );
  const minimum = sum(runs.map((run) => minimumFirstSyncCalls(run.truth)));
  const made = sum(runs.map((run) => run.firstRunCalls!));
  out(
    `API calls of the first runs: ${thousands(made)} against a minimum of ${thousands(minimum)} (${round(made / minimum, 3)}x); the sandbox counted ${thousands(stats.total.requests)} in all (token checks on connect and scheduled syncs included)`,
  );
  out(
    `busiest minute at the sandbox: ${thousands(stats.peakRequestsPerMinute)} calls against a budget of ${thousands(GLOBAL_PER_MINUTE)}/min (${round(stats.peakRequestsPerMinute / GLOBAL_PER_MINUTE, 3)}x; per token ${TOKEN_PER_MINUTE}/min)`,
  );
}

interface TableSize {
  table: string;
  rows: number;
  bytes: number;
}

/** Every table of the domain and sync schemas with its exact row count and its size with indexes and TOAST. */
async function tableSizes(db: Client): Promise<TableSize[]> {
  await db.query('vacuum analyze');
  const { rows } = await db.query<{ name: string; bytes: string }>(
    `select n.nspname || '.' || c.relname as name, pg_total_relation_size(c.oid) as bytes
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind = 'r' and n.nspname in ('domain', 'sync') order by 1`,
  );
  const sizes: TableSize[] = [];
  for (const row of rows) {
    const { rows: counted } = await db.query<{ count: string }>(`select count(*) as count from ${row.name}`);
    sizes.push({ table: row.name, rows: Number(counted[0].count), bytes: Number(row.bytes) });
  }
  return sizes;
}

function printFootprint(sizes: TableSize[], records: number): void {
  out(`footprint after the first syncs (${thousands(records)} records served by the sandbox in all):`);
  out(`  ${'table'.padEnd(40)} ${'rows'.padStart(10)} ${'MB'.padStart(8)} ${'bytes/row'.padStart(10)}`);
  for (const size of sizes.filter((entry) => entry.rows > 0 && entry.bytes > 64 * 1024)) {
    out(
      `  ${size.table.padEnd(40)} ${thousands(size.rows).padStart(10)} ${round(size.bytes / 2 ** 20)
        .toString()
        .padStart(8)} ${thousands(size.bytes / size.rows).padStart(10)}`,
    );
  }
  const group = (test: (table: string) => boolean) => sizes.filter((entry) => test(entry.table));
  const groups: Array<[string, TableSize[]]> = [
    [
      'domain tables (entities)',
      group(
        (table) =>
          table.startsWith('domain.') &&
          !table.startsWith('domain.report_') &&
          !['domain.status_history', 'domain.status_observation'].includes(table),
      ),
    ],
    ['status history (+ observations)', group((table) => table.startsWith('domain.status_'))],
    ['report aggregates', group((table) => table.startsWith('domain.report_'))],
    ["sync's record state", group((table) => table === 'sync.record_state')],
    ['sync, everything else', group((table) => table.startsWith('sync.') && table !== 'sync.record_state')],
  ];
  for (const [name, members] of groups) {
    const bytes = sum(members.map((entry) => entry.bytes));
    out(
      `  ${name.padEnd(34)} ${round(bytes / 2 ** 20)
        .toString()
        .padStart(8)} MB = ${thousands(bytes / records).padStart(5)} bytes per source record`,
    );
  }
  const total = sum(sizes.map((entry) => entry.bytes));
  out(
    `  ${'all of it'.padEnd(34)} ${round(total / 2 ** 20)
      .toString()
      .padStart(8)} MB = ${thousands(total / records).padStart(5)} bytes per source record`,
  );
}

/** Status history of one agency over a month of change: rows and bytes it adds, read by a full reconcile. */
async function statusHistoryMonth(
  deployment: Deployment,
  sandbox: Sandbox,
  run: AgencyRun,
  bytesPerRow: number,
): Promise<void> {
  const count = async (table = 'domain.status_history') => {
    const { rows } = await deployment.db.query<{ count: string }>(
      `select count(*) as count from ${table} where tenant_id = $1`,
      [run.agency.tenantId],
    );
    return Number(rows[0].count);
  };
  const observationsBefore = await count('domain.status_observation');
  const before = await count();
  const truth = await sandbox.admin(run.agency.token).advance(30);
  const requested = await http<{ syncRunId: string }>(
    `${deployment.processes.credentials.url}/v1/integrations/partnerstack/sync`,
    { method: 'POST', jwt: run.jwt, body: { mode: 'full' } },
  );
  if (requested.status !== 202 && requested.status !== 200) throw new Error(`POST sync: ${requested.status}`);
  const expected = JSON.stringify(expectedFigures(truth));
  await waitFor(
    async () => {
      const figures = reportedFigures(await fetchSummary(deployment.processes.reporting.url, run.jwt));
      return JSON.stringify(figures) === expected;
    },
    { timeoutMs: 15 * 60_000, intervalMs: 1_000, description: 'the month of change to be reported' },
  );
  const added = (await count()) - before;
  const observationsAdded = (await count('domain.status_observation')) - observationsBefore;
  out(
    `status history over 30 days of change (${run.agency.sizeClass} agency of ${thousands(run.agency.records)} records, advanced 30 days, full reconcile): ${thousands(before)} -> ${thousands(before + added)} rows, +${thousands(added)} rows = ${round(added / run.agency.records, 3)} rows and ~${thousands((added * bytesPerRow) / run.agency.records)} bytes per record per month (at ${thousands(bytesPerRow)} bytes/row); status observations +${thousands(observationsAdded)} rows`,
  );
}

async function steadyState(deployment: Deployment, sandbox: Sandbox, runs: AgencyRun[]): Promise<void> {
  const restarted = new Date();
  await restartScheduler(deployment, sandbox, { SYNC_INTERVAL_MINUTES: String(STEADY_INTERVAL_MINUTES) });
  // The new scheduler leads once the old one's lease is released or has expired: the window opens at its first run.
  await waitFor(
    async () => {
      const { rows } = await deployment.db.query(
        `select 1 from sync.run where reason = 'scheduled' and queued_at >= $1`,
        [restarted],
      );
      return rows.length > 0;
    },
    { timeoutMs: 5 * 60_000, intervalMs: 500, description: 'the steady-state scheduler to enqueue' },
  );
  await sandbox.resetStats();
  const cpuBefore = cpuSnapshot(deployment);
  const writesBefore = await writeCounters(deployment.db);
  const windowStart = new Date();
  const windowMs = STEADY_INTERVALS * STEADY_INTERVAL_MINUTES * 60_000;
  await sleep(windowMs);
  const stats = await sandbox.stats();
  const writesAfter = await writeCounters(deployment.db);
  const { rows } = await deployment.db.query<{ tenant_id: string; status: string; calls: string; seconds: number }>(
    `select r.tenant_id, r.status, (select coalesce(sum(s.api_calls), 0) from sync.run_stream s where s.run_id = r.id) as calls,
            extract(epoch from r.finished_at - r.started_at)::float8 as seconds
     from sync.run r where r.started_at >= $1 and r.finished_at is not null`,
    [windowStart],
  );
  const expectedBy = new Map(runs.map((run) => [run.agency.tenantId, noChangeSyncCalls(run.truth)]));
  const perSync = [...expectedBy.values()];
  const syncsPerHour = 60 / STEADY_INTERVAL_MINUTES;
  const streamCalls = sum(perSync.map((entry) => entry.streams));
  const sweepCalls = sum(perSync.map((entry) => entry.sweep));
  const expectedPerHour = (streamCalls + sweepCalls) * syncsPerHour;
  const measuredPerHour = (stats.total.requests * 3_600_000) / windowMs;
  const runCalls = sum(rows.map((row) => Number(row.calls)));
  const runExpected = sum(
    rows.map((row) => {
      const entry = expectedBy.get(row.tenant_id)!;
      return entry.streams + entry.sweep;
    }),
  );
  const notSucceeded = rows.filter((row) => row.status !== 'succeeded').length;
  const callsPerRun = runCalls / Math.max(1, rows.length);
  out(
    `steady state, no change (cadence shortened to ${STEADY_INTERVAL_MINUTES} min for the measurement, ${round(windowMs / 60_000)} min window from the first scheduled run): ${thousands(stats.total.requests)} calls at the sandbox, ${rows.length} runs finished (${notSucceeded} not succeeded; ${round(rows.length / runs.length, 2)} per agency, ${round(windowMs / 60_000 / STEADY_INTERVAL_MINUTES, 2)} due)`,
  );
  out(
    `  per run: ${thousands(runCalls)} calls against ${thousands(runExpected)} = streams + open-reward sweep pages of the agencies synced (${round(runCalls / Math.max(1, runExpected), 3)}x), ${round(callsPerRun)} calls per run`,
  );
  out(
    `  calls per hour ${thousands(measuredPerHour)} against ${runs.length} agencies x ${perSync[0].streams} streams x ${syncsPerHour} syncs/h = ${thousands(streamCalls * syncsPerHour)} + open-reward sweep pages ${thousands(sweepCalls * syncsPerHour)} = ${thousands(expectedPerHour)} (${round(measuredPerHour / expectedPerHour, 3)}x; target <= 1.1x)`,
  );
  out(
    `  run duration (a worker busy): ${distribution(rows.map((row) => row.seconds * 1000))}, ${round(sum(rows.map((row) => row.seconds)))} worker-seconds in the window; PostgreSQL ${thousands(writesAfter.commits - writesBefore.commits)} commits, ${thousands(writesAfter.rows - writesBefore.rows)} rows written`,
  );
  printCpu(deployment, cpuBefore, 'of the steady-state window');
  out(
    `  at the deployed ${DEPLOYED_INTERVAL_MINUTES}-minute cadence (extrapolated from the calls per run): ${thousands((callsPerRun * runs.length * 60) / DEPLOYED_INTERVAL_MINUTES)} calls/h; busiest minute in the window ${stats.peakRequestsPerMinute}; warm passes (hourly) and reconciles (daily) fall outside this window`,
  );
}

function printRss(deployment: Deployment, mode: string): void {
  const figures = Object.entries(deployment.processes).map(([name, service]) => `${name} ${peakRssMb(service.pid)} MB`);
  out(
    `peak RSS (VmHWM) started ${mode === 'deployed' ? "as deployed (the manifests' NODE_OPTIONS: workers --max-old-space-size=128, normalizer --max-semi-space-size=32)" : 'plainly (node dist/apps/<app>/main.js, no flags)'}: ${figures.join(', ')}`,
  );
}

async function main(): Promise<void> {
  const fleet = fleetAt(SCALE);
  out(`bench:fleet: scale ${SCALE}, ${fleet.length} agencies, modes ${MODES.join(', ')}`);
  out(`machine: ${machine()}`);
  out("note: a shared 2-core development machine; other engineers' tests may run alongside, so times are conservative");
  const sandbox = new Sandbox(
    await ServiceProcess.start({
      app: 'partnerstack-sandbox',
      env: { SANDBOX_DEALS_AND_LEADS: 'always', LOG_LEVEL: 'warn', NODE_OPTIONS: '' },
      readyTimeoutMs: 60_000,
    }),
  );
  let failed = false;
  try {
    const generated = Date.now();
    const runs: AgencyRun[] = [];
    for (const agency of fleet) {
      const admin = sandbox.admin(agency.token);
      await admin.configure({ records: agency.records });
      runs.push({ agency, truth: await admin.groundTruth(), jwt: adminJwt(agency.tenantId, DEVELOPMENT_JWT_SECRET) });
    }
    const served = sum(
      runs.map((run) => sum(Object.values(run.truth.streams).map((s) => s.includingArchived ?? s.count))),
    );
    out(
      `fleet: ${fleet.length} agencies, ${thousands(served)} records served (${fleet.filter((a) => a.sizeClass === 'large').length} large of ${thousands(fleet[0].records)}, ${fleet.filter((a) => a.sizeClass === 'medium').length} medium, ${fleet.filter((a) => a.sizeClass === 'small').length} small), generated in ${seconds(Date.now() - generated)} s; connected within ${seconds(CONNECT_MS)} s, largest first; ${WORKERS} sync workers, 1 normalizer, budget ${GLOBAL_PER_MINUTE}/min, ${TOKEN_PER_MINUTE}/min per token`,
    );

    for (const [i, mode] of MODES.entries()) {
      const fresh = runs.map((run) => ({ agency: run.agency, truth: run.truth, jwt: run.jwt }));
      if (i > 0) {
        // The same agencies again, each back at its first state: a new deployment syncs them from scratch.
        for (const run of fresh) {
          const admin = sandbox.admin(run.agency.token);
          await admin.configure({ records: run.agency.records });
          run.truth = await admin.groundTruth();
        }
      }
      out(`\n== ${mode}: processes started ${mode === 'deployed' ? 'as deployed' : 'plainly'} ==`);
      const deployment = await deploy(sandbox, mode, `pp_bench_fleet_${mode}`);
      try {
        const full = i === 0;
        const cpuBefore = cpuSnapshot(deployment);
        const writesBefore = await writeCounters(deployment.db);
        const { startedAt, noise } = await firstSyncs(deployment, sandbox, fresh, full);
        printFirstSyncs(fresh, startedAt, await sandbox.stats());
        printRss(deployment, mode);
        printCpu(deployment, cpuBefore, 'of the first syncs (connect to every agency reported)');
        const writesAfter = await writeCounters(deployment.db);
        out(
          `PostgreSQL during the first syncs: ${thousands(writesAfter.commits - writesBefore.commits)} commits, ${thousands(writesAfter.rows - writesBefore.rows)} rows written (inserted + updated + deleted)`,
        );
        if (!full) continue;
        const smallTenant = fresh.find((run) => run.agency.sizeClass === 'small')!;
        const quiet = await loadReporting(
          deployment.processes.reporting.url,
          smallTenant.jwt,
          '/v1/summary',
          NOISE_SECONDS * 1000,
        );
        if (noise) {
          out(
            `reporting /v1/summary of a small tenant, ${NOISE_CONCURRENCY} concurrent, ${NOISE_SECONDS} s, while the large tenant's first sync was ${noise.largeStillRunning ? 'still being synced/normalized' : 'finishing'}: ${noise.requests} requests, ${noise.errors} errors, p50 ${noise.p50} ms, p95 ${noise.p95} ms, max ${noise.max} ms; the same with the fleet quiet: p50 ${quiet.p50} ms, p95 ${quiet.p95} ms`,
          );
        } else {
          out(
            `reporting: no small tenant was reported before the large one (noisy neighbour not measured); quiet p95 ${quiet.p95} ms`,
          );
        }
        const sizes = await tableSizes(deployment.db);
        printFootprint(sizes, served);
        const history = sizes.find((size) => size.table === 'domain.status_history')!;
        const medium = fresh.find((run) => run.agency.sizeClass === 'medium')!;
        await statusHistoryMonth(deployment, sandbox, medium, history.bytes / Math.max(1, history.rows));
        await steadyState(deployment, sandbox, fresh);
        printRss(deployment, `${mode}`);
      } finally {
        await deployment.stop();
      }
    }
  } catch (error) {
    failed = true;
    process.stderr.write(
      `bench:fleet failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  } finally {
    await sandbox.process.stop();
  }
  out(`machine at the end: ${machine()}`);
  if (failed) process.exit(1);
}

void main();
