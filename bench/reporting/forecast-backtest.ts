import { knex } from '@mikro-orm/knex';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';

import { PARTNERSTACK_STREAMS } from '@pp/contracts';
import { configureApp } from '@pp/observability';

import type { MappedMessage } from '../../apps/normalizer/src/mapping/mapped-record';
import { mapRawRecord } from '../../apps/normalizer/src/mapping/raw-record.mapper';
import { DomainBatchWriter } from '../../apps/normalizer/src/writing/domain-batch-writer';
import { SandboxSettings } from '../../apps/partnerstack-sandbox/src/agencies/sandbox-settings';
import { SandboxModule } from '../../apps/partnerstack-sandbox/src/sandbox.module';
import { walkRecords } from '../../test/integration/sync/sandbox-walk';

/**
 * The forecast's backtest (issue 14): a sandbox agency with 18 months of history is synced every SYNC_EVERY_DAYS
 * for 90 days (so status history holds the approvals it saw happen), the forecast that would have been made then is
 * asked for (`asOf`), and the agency is synced on to the end of the forecast's third month; each month's forecast is
 * then compared with what was paid out that month.
 */
export const BACKTEST_TENANT = 'bench_forecast_backtest';
const TOKEN = 'sandbox_forecast_backtest';
const HISTORY_DAYS = 548;
/** 90 days after it the forecast starts on 1 September, so its three months are September to November. */
const CLOCK_START = '2026-06-03T00:00:00Z';
const FORECAST_DAY = '2026-09-01';
const LAST_DAY = '2026-11-30';
const SYNC_EVERY_DAYS = 15;
const RECORDS = Number(process.env.BENCH_BACKTEST_RECORDS ?? 4000);
const DAY_MS = 86_400_000;

interface Forecast {
  madeAt: string;
  totals: Array<{ currency: string; months: Array<{ month: string; expected: number }>; later: number }>;
}

/** Syncs the backtest agency into `databaseUrl` (as postgres) up to `LAST_DAY`; returns after the last sync. */
export async function loadBacktestAgency(databaseUrl: string): Promise<void> {
  // The first app of the process sets up the shared logger, the reporting app's included: keep it to warnings.
  process.env.LOG_LEVEL ??= 'warn';
  const sandbox = await NestFactory.create(SandboxModule, { logger: ['error'] });
  configureApp(sandbox);
  sandbox.get(SandboxSettings).apply({ clockStart: Date.parse(CLOCK_START), historyDays: HISTORY_DAYS });
  await sandbox.listen(0, '127.0.0.1');
  const origin = `http://127.0.0.1:${(sandbox.getHttpServer().address() as { port: number }).port}`;
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${origin}/admin/${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (response) => {
      if (!response.ok) throw new Error(`sandbox admin ${path}: ${response.status} ${await response.text()}`);
      return response.status === 204 ? undefined : response.json();
    });
  const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 2 } });
  const writer = new DomainBatchWriter();
  try {
    await admin('PUT', 'agency', { records: RECORDS, dealsVisible: false, leadsVisible: false });
    const syncs = Math.ceil((Date.parse(LAST_DAY) - Date.parse(CLOCK_START)) / DAY_MS / SYNC_EVERY_DAYS) + 1;
    for (let sync = 0; sync < syncs; sync++) {
      if (sync > 0) await admin('POST', 'agency/advance', { days: SYNC_EVERY_DAYS });
      const truth = (await admin('GET', 'agency/ground-truth')) as { agency: { nowIso: string } };
      const messages: MappedMessage[] = [];
      for (const stream of PARTNERSTACK_STREAMS)
        for (const record of (await walkRecords(`${origin}/api/v2`, TOKEN, stream)) ?? [])
          messages.push(
            mapRawRecord({
              tenantId: BACKTEST_TENANT,
              stream,
              externalKey: record.key,
              fetchedAt: truth.agency.nowIso,
              record,
            }),
          );
      for (let start = 0; start < messages.length; start += 500)
        await db.transaction((trx) => writer.apply(trx, messages.slice(start, start + 500)));
      console.log(`  backtest sync ${sync + 1}/${syncs} at ${truth.agency.nowIso}: ${messages.length} records`);
    }
  } finally {
    await db.destroy();
    await sandbox.close();
  }
}

/** What was paid out per currency and month (YYYY-MM) after the forecast day, up to the last day synced. */
async function paidByMonth(databaseUrl: string): Promise<Map<string, number>> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ currency: string; month: string; amount: string }>(
      `select currency, to_char(coalesce(sent_at, source_created_at, created_at) at time zone 'UTC', 'YYYY-MM') as month,
              sum(amount) as amount
         from domain.payout
        where tenant_id = $1 and removed_upstream_at is null
          and coalesce(sent_at, source_created_at, created_at) >= ($2::date + 1)::timestamptz
        group by 1, 2`,
      [BACKTEST_TENANT, FORECAST_DAY],
    );
    return new Map(rows.map((row) => [`${row.currency} ${row.month}`, Number(row.amount)]));
  } finally {
    await db.end();
  }
}

/** Asks the running reporting app for the forecast of then: the lines of its error per month against what was paid. */
export async function printBacktest(base: string, token: string, databaseUrl: string): Promise<string[]> {
  const response = await fetch(`${base}/v1/reports/forecast?asOf=${FORECAST_DAY}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`forecast: ${response.status} ${await response.text()}`);
  const forecast = (await response.json()) as Forecast;
  const paid = await paidByMonth(databaseUrl);
  const lines = [
    '',
    `Forecast backtest: ${HISTORY_DAYS} days of history, made at the end of ${FORECAST_DAY} (synced every ` +
      `${SYNC_EVERY_DAYS} days before and after), against payouts up to ${LAST_DAY}`,
    `${'currency'.padEnd(9)}${'month'.padEnd(9)}${'forecast'.padStart(12)}${'paid'.padStart(12)}  error`,
  ];
  for (const total of forecast.totals)
    for (const { month, expected } of total.months) {
      const actual = paid.get(`${total.currency} ${month}`) ?? 0;
      const error = actual === 0 ? 'n/a (nothing paid)' : `${(((expected - actual) / actual) * 100).toFixed(1)} %`;
      lines.push(
        `${total.currency.padEnd(9)}${month.padEnd(9)}${String(expected).padStart(12)}${String(actual).padStart(12)}  ${error}`,
      );
    }
  return lines;
}
