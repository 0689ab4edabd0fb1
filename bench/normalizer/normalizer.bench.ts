/**
 * npm run bench:normalizer — feeds raw PartnerStack events through RabbitMQ into the normalizer (in this process)
 * and reports records per second until committed, beside a baseline measured in the same run: the same rows written
 * by plain batched `INSERT ... ON CONFLICT` through the same driver (knex over pg), without the normalizer's version
 * checks, links, removals and history.
 *
 * Environment: BENCH_EVENTS (raw records, default 200000, published as page events of up to 250), BENCH_BATCH (baseline batch size, default 500),
 * BENCH_AGGREGATES_INTERVAL_MS (the normalizer's aggregates refresh interval, default 2000), BENCH_LOG_LEVEL,
 * BENCH_KEEP_DATABASE=1 (keep the database afterwards, to inspect plans), BENCH_ROUNDS (default 3: rounds, each in a
 * fresh process, database and vhost; the result is each rate's median, since this shared machine's speed drifts),
 * TEST_PG_SERVER_URL / TEST_AMQP_SERVER_URL (servers; a database and a vhost of its own are created and dropped).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import { knex, Knex } from '@mikro-orm/knex';
import amqplib from 'amqplib';
import { Histogram, register } from 'prom-client';

import { EVENTS_EXCHANGE, QUEUES, RAW_RECORD_KEYS } from '@pp/contracts';
import { migrateAll } from '@pp/persistence';
import { createTestVhost, databaseUrl, DEPLOYED_NODE_OPTIONS, dropDatabase, uniqueName } from '@pp/testing';

import type { MappedRow, RowVersion } from '../../apps/normalizer/src/mapping/mapped-record';
import { mapMessage } from '../../apps/normalizer/src/normalizing/normalizer.service';
import type { SyncedTable } from '../../apps/normalizer/src/writing/synced-tables';
import { modelOf } from '../../apps/normalizer/src/writing/table-model';
import { allMigrationSets } from '../../scripts/migration-sets';

import { percentile } from '../support/percentile';

import { Envelope, rawEvents, TENANTS } from './raw-event-generator';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const BASELINE_BATCH = Number(process.env.BENCH_BATCH ?? 500);

function rate(records: number, ms: number): number {
  return Math.round((records / ms) * 1000);
}

/** A mapped version as the table's columns (jsonb as text), as a plain knex insert takes it. */
function columnsOf(table: SyncedTable, row: RowVersion): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const { property, name, type } of modelOf(table).written) {
    const value = row[property] ?? null;
    columns[name] = type === 'jsonb' ? JSON.stringify(value) : value;
  }
  return columns;
}

/** The baseline: the same mapped rows, one plain `insert ... on conflict do update` per table and batch. */
async function baseline(db: Knex, events: Envelope[]): Promise<number> {
  const started = Date.now();
  const mapped = events.flatMap(
    (event) => mapMessage({ ...event, tenantId: `${event.tenantId}_baseline` } as never).mapped,
  );
  for (let offset = 0; offset < mapped.length; offset += BASELINE_BATCH) {
    const byTable = new Map<string, Map<string, Record<string, unknown>>>();
    for (const record of mapped.slice(offset, offset + BASELINE_BATCH)) {
      for (const { table, row } of record.rows as MappedRow[]) {
        const rows = byTable.get(table) ?? byTable.set(table, new Map()).get(table)!;
        rows.set(`${row.tenantId}\u0000${row.externalKey}`, columnsOf(table, row));
      }
    }
    await db.transaction(async (trx) => {
      for (const [table, rows] of byTable) {
        await trx(`domain.${table}`)
          .insert([...rows.values()])
          .onConflict(['tenant_id', 'external_key'])
          .merge();
      }
    });
  }
  return Date.now() - started;
}

/** One round: a database, a vhost, the baseline, then the normalizer; its figures on the last line. */
async function round(): Promise<void> {
  const pgServer = process.env.TEST_PG_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  process.env.TEST_PG_SERVER_URL = pgServer;
  const databaseName = uniqueName('pp_bench_normalizer');
  const url = databaseUrl(databaseName, pgServer);
  const vhost = await createTestVhost('pp_bench_normalizer');
  console.log(`bench:normalizer: ${EVENTS} raw events, ${TENANTS.length} tenants`);
  console.log(
    `machine: nproc=${cpus().length}, memory=${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, ` +
      `${execFileSync('psql', ['--version']).toString().trim()}`,
  );
  await migrateAll(url, allMigrationSets);
  const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 4 } });
  const connection = await amqplib.connect(vhost.url);
  let app: { close(): Promise<void> } | undefined;
  try {
    const generated = Date.now();
    const events = [...rawEvents(EVENTS)];
    console.log(`generated in ${Date.now() - generated} ms`);

    const baselineMs = await baseline(db, events);
    const baselineRate = rate(EVENTS, baselineMs);
    console.log(
      `baseline (plain batched INSERT ... ON CONFLICT, batch ${BASELINE_BATCH}): ${EVENTS} records in ${baselineMs} ms = ${baselineRate} rec/s`,
    );

    // The baseline leaves 200,000 dead and unanalyzed rows behind: left alone, autovacuum would clean them up during
    // the normalizer's run and take its CPU. Each phase starts from a quiet database.
    const vacuumStarted = Date.now();
    await db.raw('vacuum analyze');
    console.log(`vacuum analyze after the baseline: ${Date.now() - vacuumStarted} ms (not counted)`);

    const channel = await connection.createConfirmChannel();
    await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(QUEUES.normalizerRaw.queue, { durable: true });
    for (const key of RAW_RECORD_KEYS) await channel.bindQueue(QUEUES.normalizerRaw.queue, EVENTS_EXCHANGE, key);
    const publishStarted = Date.now();
    for (const event of events) {
      const ok = channel.publish(EVENTS_EXCHANGE, event.routingKey, Buffer.from(JSON.stringify(event)), {
        persistent: true,
        contentType: 'application/json',
      });
      if (!ok) await new Promise((resolve) => channel.once('drain', resolve));
    }
    await channel.waitForConfirms();
    const publishMs = Date.now() - publishStarted;
    console.log(
      `published ${events.length} page events to RabbitMQ in ${publishMs} ms (${rate(EVENTS, publishMs)} records/s, not counted below)`,
    );

    Object.assign(process.env, {
      DATABASE_URL: url,
      AMQP_URL: vhost.url,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      AGGREGATES_REFRESH_INTERVAL_MS: process.env.BENCH_AGGREGATES_INTERVAL_MS ?? '2000',
    });
    const { NestFactory } = await import('@nestjs/core');
    const { startEventsTransport } = await import('@pp/messaging');
    const { NormalizerModule } = await import('../../apps/normalizer/src/normalizer.module');
    const applied = async () => {
      const metric = await register.getSingleMetric('pp_normalizer_records_total')?.get();
      return metric?.values.reduce((sum, value) => sum + value.value, 0) ?? 0;
    };
    const nest = await NestFactory.create(NormalizerModule, { logger: ['error', 'warn'] });
    const consumeStarted = Date.now();
    await nest.init();
    await startEventsTransport(nest);
    app = nest;
    let lastReport = Date.now();
    for (;;) {
      const done = await applied();
      if (done >= EVENTS) break;
      if (Date.now() - lastReport > 5_000) {
        console.log(
          `  ${done} committed after ${Date.now() - consumeStarted} ms (${rate(done, Date.now() - consumeStarted)} rec/s)`,
        );
        lastReport = Date.now();
      }
      if (Date.now() - consumeStarted > 30 * 60_000)
        throw new Error(`only ${done} of ${EVENTS} committed after 30 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const normalizerMs = Date.now() - consumeStarted;
    const normalizerRate = rate(EVENTS, normalizerMs);
    const { rows } = await db.raw(
      `select (select count(*) from domain.reward)::int as rewards, (select count(*) from domain.status_history)::int as history`,
    );
    console.log(
      `normalizer (RabbitMQ -> batches -> PostgreSQL, until committed): ${EVENTS} records in ${normalizerMs} ms = ${normalizerRate} rec/s`,
    );
    console.log(
      `  rows: ${rows[0].rewards} rewards (both runs), ${rows[0].history} status history rows (normalizer run)`,
    );
    await printStepBreakdown(normalizerMs);
    console.log(`${ROUND_RESULT} ${JSON.stringify({ normalizerRate, baselineRate } satisfies RoundResult)}`);
  } finally {
    await app?.close();
    await connection.close().catch(() => undefined);
    await db.destroy();
    await vhost.drop();
    if (process.env.BENCH_KEEP_DATABASE === '1') console.log(`kept database ${databaseName}`);
    else await dropDatabase(databaseName);
  }
}

/** Where the run's time went, from the normalizer's step histogram (steps of concurrent batches overlap). */
async function printStepBreakdown(normalizerMs: number): Promise<void> {
  const histogram = register.getSingleMetric('pp_normalizer_write_step_seconds') as Histogram<'step'> | undefined;
  // A histogram's values carry the name of their series (`_bucket`, `_sum`, `_count`).
  const sums = ((await histogram?.get())?.values ?? []).filter((value) => value.metricName?.endsWith('_sum'));
  const steps = sums
    .map((value) => ({ step: String(value.labels.step), ms: value.value * 1000 }))
    .sort((left, right) => right.ms - left.ms);
  console.log(
    `  time per step (summed over batches, share of the run's ${normalizerMs} ms): ` +
      steps
        .map(({ step, ms }) => `${step} ${Math.round(ms)} ms (${Math.round((ms / normalizerMs) * 100)}%)`)
        .join(', '),
  );
}

const ROUND_RESULT = 'BENCH_NORMALIZER_ROUND';

interface RoundResult {
  normalizerRate: number;
  baselineRate: number;
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/** Runs the rounds one after the other, each in a process of its own, and sums them up. */
async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const results: RoundResult[] = [];
  for (let index = 1; index <= rounds; index++) {
    console.log(`round ${index} of ${rounds}`);
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', __filename],
      {
        env: {
          ...process.env,
          BENCH_NORMALIZER_ROUND_CHILD: '1',
          // The normalizer's deployed V8 settings; the baseline runs in the same process with the same ones.
          NODE_OPTIONS: DEPLOYED_NODE_OPTIONS.normalizer,
          TS_NODE_PROJECT: join(__dirname, '..', '..', 'tsconfig.json'),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let result: RoundResult | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith(`${ROUND_RESULT} `)) result = JSON.parse(line.slice(ROUND_RESULT.length + 1));
      else console.log(`  ${line}`);
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0 || !result) throw new Error(`round ${index} failed (exit code ${code})`);
    results.push(result);
    console.log(
      `round ${index}: normalizer ${result.normalizerRate} rec/s, baseline ${result.baselineRate} rec/s ` +
        `(${(result.normalizerRate / result.baselineRate).toFixed(2)}x)`,
    );
  }
  const normalizer = results.map((result) => result.normalizerRate);
  const baselineRates = results.map((result) => result.baselineRate);
  const normalizerRate = median(normalizer);
  const baselineRate = median(baselineRates);
  const ratios = results.map((result) => result.normalizerRate / result.baselineRate);
  console.log(
    `rounds: normalizer ${normalizer.join(', ')} rec/s; baseline ${baselineRates.join(', ')} rec/s; ` +
      `ratio ${ratios.map((ratio) => ratio.toFixed(2)).join(', ')}`,
  );
  console.log(
    `result (median of ${rounds}): normalizer ${normalizerRate} rec/s vs baseline ${baselineRate} rec/s = ` +
      `${(normalizerRate / baselineRate).toFixed(2)}x (targets: >= 5000 rec/s ${normalizerRate >= 5000 ? 'met' : 'MISSED'}, ` +
      `>= 0.5x baseline ${normalizerRate >= baselineRate / 2 ? 'met' : 'MISSED'})`,
  );
}

(process.env.BENCH_NORMALIZER_ROUND_CHILD === '1' ? round() : main()).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
