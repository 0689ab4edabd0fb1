/**
 * npm run bench:normalizer — feeds raw PartnerStack events through RabbitMQ into the normalizer (in this process)
 * and reports records per second until committed, beside a baseline measured in the same run: the same rows written
 * by plain batched `INSERT ... ON CONFLICT` through the same driver (knex over pg), without the normalizer's version
 * checks, links, removals and history.
 *
 * Environment: BENCH_EVENTS (raw records, default 200000, published as page events of up to 250), BENCH_BATCH (baseline batch size, default 500),
 * BENCH_AGGREGATES_INTERVAL_MS (the normalizer's aggregates refresh interval, default 2000), BENCH_LOG_LEVEL,
 * BENCH_KEEP_DATABASE=1 (keep the database afterwards, to inspect plans),
 * TEST_PG_SERVER_URL / TEST_AMQP_SERVER_URL (servers; a database and a vhost of its own are created and dropped).
 */
import { execFileSync } from 'node:child_process';

import { cpus, totalmem } from 'node:os';

import { knex, Knex } from '@mikro-orm/knex';
import amqplib from 'amqplib';
import { register } from 'prom-client';

import { EVENTS_EXCHANGE } from '@pp/contracts';
import { migrateAll } from '@pp/persistence';
import { createTestVhost, databaseUrl, dropDatabase, uniqueName } from '@pp/testing';

import { RAW_RECORD_KEYS } from '../../apps/normalizer/src/consumers/raw-records.consumer';
import type { MappedRow } from '../../apps/normalizer/src/mapping/mapped-record';
import { mapMessage } from '../../apps/normalizer/src/normalizing/normalizer.service';
import { RAW_RECORDS_QUEUE } from '../../apps/normalizer/src/normalizer.constants';
import { TABLE_SPECS } from '../../apps/normalizer/src/writing/table-specs';
import { allMigrationSets } from '../../scripts/migration-sets';

import { Envelope, rawEvents, TENANTS } from './raw-event-generator';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const BASELINE_BATCH = Number(process.env.BENCH_BATCH ?? 500);

function rate(records: number, ms: number): number {
  return Math.round((records / ms) * 1000);
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
        rows.set(`${row.tenant_id}\u0000${row.external_key}`, {
          ...row,
          raw: JSON.stringify(row.raw),
          ...Object.fromEntries(
            Object.entries(TABLE_SPECS[table].columns)
              .filter(([, type]) => type === 'jsonb')
              .map(([column]) => [column, JSON.stringify(row[column])]),
          ),
        });
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

async function main(): Promise<void> {
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
    await channel.assertQueue(RAW_RECORDS_QUEUE, { durable: true });
    for (const key of RAW_RECORD_KEYS) await channel.bindQueue(RAW_RECORDS_QUEUE, EVENTS_EXCHANGE, key);
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
    const { NormalizerModule } = await import('../../apps/normalizer/src/normalizer.module');
    const applied = async () => {
      const metric = await register.getSingleMetric('pp_normalizer_records_total')?.get();
      return metric?.values.reduce((sum, value) => sum + value.value, 0) ?? 0;
    };
    const nest = await NestFactory.create(NormalizerModule, { logger: ['error', 'warn'] });
    const consumeStarted = Date.now();
    await nest.init();
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
    console.log(
      `result: normalizer ${normalizerRate} rec/s vs baseline ${baselineRate} rec/s = ${(normalizerRate / baselineRate).toFixed(2)}x ` +
        `(targets: >= 5000 rec/s ${normalizerRate >= 5000 ? 'met' : 'MISSED'}, >= 0.5x baseline ${normalizerRate >= baselineRate / 2 ? 'met' : 'MISSED'})`,
    );
  } finally {
    await app?.close();
    await connection.close().catch(() => undefined);
    await db.destroy();
    await vhost.drop();
    if (process.env.BENCH_KEEP_DATABASE === '1') console.log(`kept database ${databaseName}`);
    else await dropDatabase(databaseName);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
