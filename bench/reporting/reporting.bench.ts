import 'reflect-metadata';

import { execFileSync } from 'node:child_process';
import { AddressInfo } from 'node:net';
import { totalmem } from 'node:os';

import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import autocannon from 'autocannon';
import { Client } from 'pg';

import { signUserJwt } from '@pp/auth';
import { configureApp } from '@pp/observability';
import { migrateAll } from '@pp/persistence';

import { domainMigrations } from '../../libs/domain/src/migrations';
import { percentile } from '../support/percentile';
import { BACKTEST_TENANT, loadBacktestAgency, printBacktest } from './forecast-backtest';

/**
 * `npm run bench:reporting`: loads a large agency (>= 1,000,000 billing records and their rewards across 20
 * programs) among 50 orgs with set-based SQL, then measures each endpoint under concurrent load beside the
 * equivalent raw SQL, in the same run; then prints the forecast's backtest (forecast-backtest.ts: a sandbox agency with
 * 18 months of history, synced into the same database as an org of its own). BENCH_TRANSACTIONS, BENCH_SECONDS,
 * BENCH_CONNECTIONS and BENCH_BACKTEST_RECORDS scale it down.
 */
const SERVER = process.env.BENCH_PG_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = process.env.BENCH_DATABASE ?? 'pp_bench_reporting';
const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ORGS = 50;
const TARGET = 'bench_org_00';
const JWT_SECRET = 'reporting-bench-secret-0123456789abcdef';

function urlFor(database: string, user = 'postgres'): string {
  const url = new URL(SERVER);
  url.pathname = `/${database}`;
  url.username = user;
  return url.toString();
}

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work();
  console.log(`  ${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

interface OrgShape {
  programs: number;
  referrals: number;
  transactions: number;
  payouts: number;
  leadsAndDeals: number;
  syncRuns: number;
}

/** Deterministic ids (md5 of org, kind and sequence number), so rows can point at each other without joins. */
const id = (kind: string, n: string) => `md5($1 || ':${kind}:' || ${n})::uuid`;

async function loadOrg(db: Client, org: string, shape: OrgShape): Promise<void> {
  const p = [org, shape.programs, shape.referrals, shape.transactions];
  await db.query(
    `insert into domain.program (id, tenant_id, external_key, name, source_created_at, last_fetched_at, raw)
     select ${id('prog', 'g')}, $1, 'co_' || $1 || '_' || g, 'Program ' || g, now() - interval '1200 days', now(), '{}'
       from generate_series(1, $2::int) g`,
    p.slice(0, 2),
  );
  await db.query(
    `insert into domain.partnership (id, tenant_id, external_key, program_id, status, group_name, referral_link_url,
                                     source_created_at, last_fetched_at, raw)
     select ${id('part', 'g')}, $1, 'part_' || $1 || '_' || g, ${id('prog', 'g')}, 'active', 'Agency Partners',
            'https://example.partnerlinks.io/' || $1 || '/' || g, now() - interval '1100 days' + g * interval '1 day', now(), '{}'
       from generate_series(1, $2::int) g`,
    p.slice(0, 2),
  );
  // Three programs in four pay a 20 % revenue share; the rest a flat amount.
  await db.query(
    `insert into domain.commission_rule (id, tenant_id, partnership_id, position, kind, rate, currency, description, raw)
     select ${id('rule', 'g')}, $1, ${id('part', 'g')}, 0,
            case when g % 4 = 0 then 'flat' else 'percentage' end,
            case when g % 4 = 0 then 5000 else 20 end, 'USD', 'offer ' || g, '{}'
       from generate_series(1, $2::int) g`,
    p.slice(0, 2),
  );
  await db.query(
    `insert into domain.referral (id, tenant_id, external_key, partnership_id, status, has_paid, contact_email,
                                  source_created_at, last_fetched_at, raw)
     select ${id('ref', 'g')}, $1, 'cus_' || $1 || '_' || g, ${id('part', '(g % $2::int + 1)')},
            case when g % 3 = 0 then 'referred' else 'converted' end, g % 3 <> 0, 'owner' || g || '@example.com',
            now() - (g % 1100) * interval '1 day', now(), '{}'
       from generate_series(1, $3::int) g`,
    p.slice(0, 3),
  );
  // Billing records: 10 % in EUR, 1 % without amount_usd, 2 % refunded, spread over three years.
  await db.query(
    `insert into domain.billing_record (id, tenant_id, external_key, amount, currency, amount_usd, refunded, referral_id,
                                        partnership_id, customer_key, source_created_at, last_fetched_at, raw)
     select ${id('tx', 'g')}, $1, 'tran_' || $1 || '_' || g, 1000 + (g * 37) % 50000,
            case when g % 10 = 0 then 'EUR' else 'USD' end,
            case when g % 100 = 7 then null when g % 10 = 0 then ((1000 + (g * 37) % 50000) * 11) / 10
                 else 1000 + (g * 37) % 50000 end,
            g % 50 = 0, ${id('ref', '(g % $3::int + 1)')}, ${id('part', '((g % $3::int + 1) % $2::int + 1)')},
            'cus_' || $1 || '_' || (g % $3::int + 1),
            now() - (g % 1095) * interval '1 day' - (g % 86400) * interval '1 second', now(), '{}'
       from generate_series(1, $4::int) g`,
    p,
  );
  // One reward per billing record but 1 in 40 (the missed ones); a mix of PartnerStack statuses, some underpaid.
  await db.query(
    `insert into domain.reward (id, tenant_id, external_key, amount, currency, reward_status, payment_status,
                                decline_reason, recurrence, source_type, source_key, referral_id, partnership_id,
                                billing_record_id, billing_record_key, customer_key, source_created_at, last_fetched_at, raw)
     select ${id('rew', 'g')}, $1, 'rwrd_' || $1 || '_' || g,
            ((1000 + (g * 37) % 50000) * case when g % 97 = 0 then 15 else 20 end) / 100,
            case when g % 10 = 0 then 'EUR' else 'USD' end,
            case when g % 100 = 1 then 'declined' when g % 20 = 2 then 'pending' when g % 25 = 4 then 'hold'
                 when g % 3 = 0 then 'paid' else 'approved' end,
            case when g % 200 = 5 then 'failed' when g % 3 = 0 then 'withdrawn' else 'available' end,
            case when g % 100 = 1 then 'Customer refunded' end, 'recurring', 'transaction', 'tran_' || $1 || '_' || g,
            ${id('ref', '(g % $3::int + 1)')}, ${id('part', '((g % $3::int + 1) % $2::int + 1)')}, ${id('tx', 'g')},
            'tran_' || $1 || '_' || g, 'cus_' || $1 || '_' || (g % $3::int + 1),
            now() - (g % 1095) * interval '1 day' - (g % 86400) * interval '1 second' + interval '1 hour', now(), '{}'
       from generate_series(1, $4::int) g
      where g % 40 <> 3`,
    p,
  );
  await db.query(
    `insert into domain.payout (id, tenant_id, external_key, amount, currency, status, source_created_at, last_fetched_at, raw)
     select ${id('pay', 'g')}, $1, 'pay_' || $1 || '_' || g, 10000 + g, 'USD',
            case when g % 30 = 0 then 'failed' else 'successful' end, now() - (g % 1095) * interval '1 day', now(), '{}'
       from generate_series(1, $2::int) g`,
    [org, shape.payouts],
  );
  await db.query(
    `insert into domain.lead (id, tenant_id, external_key, status, account_name, source_created_at, last_fetched_at, raw)
     select ${id('lead', 'g')}, $1, 'lead_' || $1 || '_' || g, case when g % 2 = 0 then 'open' else 'closed won' end,
            'Account ' || g, now() - (g % 1095) * interval '1 day', now(), '{}'
       from generate_series(1, $2::int) g`,
    [org, shape.leadsAndDeals],
  );
  await db.query(
    `insert into domain.deal (id, tenant_id, external_key, stage, amount, currency, account_name, source_created_at,
                              last_fetched_at, raw)
     select ${id('deal', 'g')}, $1, 'deal_' || $1 || '_' || g, 'Qualified', 100000 + g, 'USD', 'Account ' || g,
            now() - (g % 1095) * interval '1 day', now(), '{}'
       from generate_series(1, $2::int) g`,
    [org, shape.leadsAndDeals],
  );
  await db.query(
    `insert into domain.sync_run (id, tenant_id, external_key, connection_id, mode, status, started_at, finished_at,
                                  records_fetched, records_emitted, streams)
     select ${id('run', 'g')}, $1, 'run_' || $1 || '_' || g, 'conn_' || $1, 'incremental',
            case when g % 17 = 0 then 'failed' else 'succeeded' end, now() - g * interval '15 minutes',
            now() - g * interval '15 minutes' + interval '2 minutes', 100, 100, '[]'
       from generate_series(1, $2::int) g`,
    [org, shape.syncRuns],
  );
}

type Statement = { text: string; values: unknown[] };

function statementsOf(scenario: { sql: string | Statement[]; values: unknown[] }): Statement[] {
  return Array.isArray(scenario.sql) ? scenario.sql : [{ text: scenario.sql, values: scenario.values }];
}

async function rawSqlTimings(db: Client, statements: Statement[], runs = 30): Promise<number[]> {
  const samples: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = process.hrtime.bigint();
    for (const statement of statements) await db.query(statement.text, statement.values);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return samples.sort((left, right) => left - right);
}

async function load(
  url: string,
  token: string,
  path: string,
): Promise<{ latencies: number[]; errors: number; requests: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}${path}`,
        connections: CONNECTIONS,
        duration: SECONDS,
        headers: { authorization: `Bearer ${token}` },
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode === 200) latencies.push(responseTime);
      else errors += 1;
    });
  });
  return {
    latencies: latencies.sort((left, right) => left - right),
    errors: errors + result.errors,
    requests: result.requests.total,
  };
}

async function main(): Promise<void> {
  const admin = new Client({ connectionString: urlFor('postgres') });
  await admin.connect();
  await admin.query(`drop database if exists ${DATABASE} with (force)`);
  await admin.end();
  const url = urlFor(DATABASE);
  console.log(`Loading ${TRANSACTIONS.toLocaleString('en')} billing records for ${TARGET} among ${ORGS} orgs`);
  await timed('migrate', () => migrateAll(url, [domainMigrations]));
  const db = new Client({ connectionString: url });
  await db.connect();
  await timed(`load ${TARGET}`, () =>
    loadOrg(db, TARGET, {
      programs: 20,
      referrals: Math.max(100, Math.round(TRANSACTIONS / 20)),
      transactions: TRANSACTIONS,
      payouts: 2000,
      leadsAndDeals: 5000,
      syncRuns: 1000,
    }),
  );
  await timed(`load ${ORGS - 1} other orgs`, async () => {
    for (let n = 1; n < ORGS; n += 1) {
      const org = `bench_org_${String(n).padStart(2, '0')}`;
      await loadOrg(db, org, {
        programs: 5,
        referrals: 200,
        transactions: 2000,
        payouts: 20,
        leadsAndDeals: 20,
        syncRuns: 20,
      });
    }
  });
  await timed('sync the forecast backtest agency', () => loadBacktestAgency(url));
  await timed('analyze', () => db.query('analyze'));
  await timed(`refresh_tenant_aggregates(${TARGET})`, () =>
    db.query('select domain.refresh_tenant_aggregates($1)', [TARGET]),
  );
  await timed('refresh the other orgs', async () => {
    for (let n = 1; n < ORGS; n += 1) {
      await db.query('select domain.refresh_tenant_aggregates($1)', [`bench_org_${String(n).padStart(2, '0')}`]);
    }
  });
  await db.query('analyze');
  const counts = await db.query<{ billing: string; rewards: string; missed: string }>(
    `select (select count(*) from domain.billing_record where tenant_id = $1) as billing,
            (select count(*) from domain.reward where tenant_id = $1) as rewards,
            (select count(*) from domain.report_missed_reward where tenant_id = $1) as missed`,
    [TARGET],
  );
  console.log(`  ${TARGET}: ${JSON.stringify(counts.rows[0])}`);

  Object.assign(process.env, {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: urlFor(DATABASE, 'pp_reporting_reader'),
    JWT_SECRET,
    CORS_ORIGINS: 'http://localhost:5173',
    // The per-org limit (600 a minute by default) would answer most of a load run 429 and time the refusals.
    REPORTING_REQUESTS_PER_MINUTE: '1000000',
  });
  const { ReportingModule } = await import('../../apps/reporting/src/reporting.module');
  const app: INestApplication = await NestFactory.create(ReportingModule, { logger: ['error', 'warn'] });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const token = signUserJwt({ sub: 'bench-user', org: TARGET, roles: [] }, JWT_SECRET, { expiresInSeconds: 3600 });
  // The service's session settings (reporting-database.service.ts), so both columns time the same plans.
  const reader = new Client({ connectionString: urlFor(DATABASE, 'pp_reporting_reader'), options: '-c jit=off' });
  await reader.connect();
  const program = (
    await reader.query<{ id: string }>(
      `select id from domain.partnership where tenant_id = $1 order by external_key limit 1`,
      [TARGET],
    )
  ).rows[0].id;
  const dueBefore = new Date(Date.now() - 30 * 86_400_000);
  const stuckBefore = new Date(Date.now() - 60 * 86_400_000);
  const middle = await fetch(`${base}/v1/transactions?limit=500`, { headers: { authorization: `Bearer ${token}` } });
  const deepCursor = ((await middle.json()) as { nextCursor: string }).nextCursor;

  const created = (alias: string) => `coalesce(${alias}.source_created_at, ${alias}.created_at)`;
  const scenarios: Array<{ name: string; path: string; sql: string | Statement[]; values: unknown[] }> = [
    {
      name: 'summary',
      path: '/v1/summary',
      sql: `select (select count(*) from domain.partnership where tenant_id = $1 and removed_upstream_at is null),
              (select json_agg(x) from (select status, sum(records) from domain.report_referral_monthly where tenant_id = $1 and not removed group by 1) x),
              (select json_agg(x) from (select refunded, currency, sum(records), sum(amount), sum(amount_usd) from domain.report_billing_monthly where tenant_id = $1 and not removed group by 1, 2) x),
              (select json_agg(x) from (select reward_status, currency, sum(records), sum(amount) from domain.report_reward_monthly where tenant_id = $1 and not removed group by 1, 2) x),
              (select json_agg(x) from (select payment_status, currency, sum(records), sum(amount) from domain.report_reward_monthly where tenant_id = $1 and not removed group by 1, 2) x),
              (select json_agg(x) from (select status, currency, sum(records), sum(amount) from domain.report_payout_monthly where tenant_id = $1 and not removed group by 1, 2) x)`,
      values: [TARGET],
    },
    {
      name: 'transactions (first page)',
      path: '/v1/transactions',
      sql: `select t.*, p.external_key from domain.billing_record t left join domain.partnership p on p.id = t.partnership_id
             where t.tenant_id = $1 and t.removed_upstream_at is null order by ${created('t')} desc, t.id desc limit 51`,
      values: [TARGET],
    },
    {
      name: 'transactions (program, page 2+)',
      path: `/v1/transactions?programId=${program}&cursor=${encodeURIComponent(deepCursor)}`,
      sql: `select t.* from domain.billing_record t where t.tenant_id = $1 and t.partnership_id = $2 and t.removed_upstream_at is null
             order by ${created('t')} desc, t.id desc limit 51`,
      values: [TARGET, program],
    },
    {
      name: 'rewards (status=pending)',
      path: '/v1/rewards?status=pending',
      sql: `select r.* from domain.reward r where r.tenant_id = $1 and r.reward_status = 'pending' and r.removed_upstream_at is null
             order by ${created('r')} desc, r.id desc limit 51`,
      values: [TARGET],
    },
    {
      name: 'referrals',
      path: '/v1/referrals',
      sql: `select c.* from domain.referral c where c.tenant_id = $1 and c.removed_upstream_at is null
             order by ${created('c')} desc, c.id desc limit 51`,
      values: [TARGET],
    },
    {
      name: 'payouts',
      path: '/v1/payouts',
      sql: `select p.* from domain.payout p where p.tenant_id = $1 and p.removed_upstream_at is null order by ${created('p')} desc, p.id desc limit 51`,
      values: [TARGET],
    },
    {
      name: 'revenue by month',
      path: '/v1/reports/revenue?groupBy=month',
      sql: `select to_char(month, 'YYYY-MM'), currency, refunded, sum(records), sum(amount), sum(amount_usd)
              from domain.report_billing_monthly where tenant_id = $1 and not removed group by 1, 2, 3`,
      values: [TARGET],
    },
    {
      name: 'revenue by program (2025)',
      path: '/v1/reports/revenue?groupBy=program&from=2025-01-01&to=2025-12-31',
      sql: `select partnership_id, currency, refunded, sum(records), sum(amount), sum(amount_usd)
              from domain.report_billing_monthly where tenant_id = $1 and not removed
               and month >= '2025-01-01' and month < '2026-01-01' group by 1, 2, 3`,
      values: [TARGET],
    },
    {
      name: 'rewards by status',
      path: '/v1/reports/rewards?groupBy=status',
      sql: `select reward_status, currency, sum(records), sum(amount) from domain.report_reward_monthly
             where tenant_id = $1 and not removed group by 1, 2`,
      values: [TARGET],
    },
    {
      name: 'rewards by program',
      path: '/v1/reports/rewards?groupBy=program',
      sql: `select partnership_id, currency, sum(records), sum(amount) from domain.report_reward_monthly
             where tenant_id = $1 and not removed group by 1, 2`,
      values: [TARGET],
    },
    {
      // Read from the raw tables (no aggregate yet): the raw SQL is the rewards' figures alone.
      name: 'earnings',
      path: '/v1/reports/earnings',
      sql: `select partnership_id, currency, reward_status, amount < 0, count(*), sum(amount) from domain.reward
             where tenant_id = $1 and removed_upstream_at is null group by 1, 2, 3, 4`,
      values: [TARGET],
    },
    {
      name: 'forecast',
      path: '/v1/reports/forecast',
      sql: `select partnership_id, currency, reward_status, (coalesce(ready_at, ${created('r')}) at time zone 'UTC')::date,
                   count(*), sum(amount)
              from domain.reward r where tenant_id = $1 and removed_upstream_at is null
               and reward_status = any('{approved,pending,hold,scheduled}') group by 1, 2, 3, 4`,
      values: [TARGET],
    },
    {
      name: 'missed rewards',
      path: '/v1/reports/missed-rewards',
      sql: [
        {
          // The page with the references the service returns: referral, transaction, reward and program.
          text: `select m.*, c.external_key, t.external_key, r.external_key, pp.id, pp.external_key,
                  coalesce(pg.name, pp.raw #>> '{company,name}')
             from domain.report_missed_reward m
             left join domain.referral c on c.id = m.referral_id and c.tenant_id = $1
             left join domain.billing_record t on t.id = m.billing_record_id and t.tenant_id = $1
             left join domain.reward r on r.id = m.reward_id and r.tenant_id = $1
             left join domain.partnership pp on pp.id = m.partnership_id and pp.tenant_id = $1
             left join domain.program pg on pg.id = pp.program_id and pg.tenant_id = $1
            where m.tenant_id = $1 and not m.removed
           and (m.reason in ('reward_declined', 'reward_payment_failed', 'reward_below_rule')
                or (m.reason = 'reward_stuck' and m.reference_at < $3)
                or (m.reason in ('transaction_without_reward', 'paying_customer_without_reward') and m.reference_at < $2))
         order by m.reference_at desc, m.id desc limit 51`,
          values: [TARGET, dueBefore, stuckBefore],
        },
        {
          text: `select reason, currency, sum(records), sum(amount) from (
           select d.reason, d.currency, d.records, d.amount_at_stake as amount from domain.report_missed_reward_monthly d
            where d.tenant_id = $1 and not d.removed
              and (d.reason in ('reward_declined', 'reward_payment_failed', 'reward_below_rule')
                   or (d.reason = 'reward_stuck' and d.month < date_trunc('month', $5::date))
                   or (d.reason in ('transaction_without_reward', 'paying_customer_without_reward')
                       and d.month < date_trunc('month', $4::date)))
           union all
           select d.reason, d.currency, d.records, d.amount_at_stake as amount from domain.report_missed_reward_daily d
            where d.tenant_id = $1 and not d.removed
              and ((d.reason = 'reward_stuck' and d.day >= date_trunc('month', $5::date) and d.day < $5::date)
                   or (d.reason in ('transaction_without_reward', 'paying_customer_without_reward')
                       and d.day >= date_trunc('month', $4::date) and d.day < $4::date))
           union all
           select m.reason, m.currency, 1, coalesce(m.amount_at_stake, 0) from domain.report_missed_reward m
            where m.tenant_id = $1 and not m.removed
              and ((m.reason = 'reward_stuck' and m.reference_at >= $5::date and m.reference_at < $3)
                   or (m.reason in ('transaction_without_reward', 'paying_customer_without_reward')
                       and m.reference_at >= $4::date and m.reference_at < $2))) x group by 1, 2`,
          values: [
            TARGET,
            dueBefore,
            stuckBefore,
            dueBefore.toISOString().slice(0, 10),
            stuckBefore.toISOString().slice(0, 10),
          ],
        },
      ],
      values: [TARGET, dueBefore, stuckBefore],
    },
  ];

  const withoutAggregates = await rawSqlTimings(
    reader,
    [
      {
        text: `select to_char(${created('b')}, 'YYYY-MM'), currency, refunded, count(*), sum(amount), sum(amount_usd)
       from domain.billing_record b where tenant_id = $1 and removed_upstream_at is null group by 1, 2, 3`,
        values: [TARGET],
      },
    ],
    3,
  );
  console.log(
    `  revenue by month straight from billing_record (what the aggregates avoid): p50 ${percentile(withoutAggregates, 0.5).toFixed(0)} ms`,
  );

  if (process.env.BENCH_EXPLAIN === '1') {
    for (const scenario of scenarios) {
      for (const statement of statementsOf(scenario)) {
        const plan = await reader.query<{ 'QUERY PLAN': string }>(
          `explain (analyze, costs off) ${statement.text}`,
          statement.values,
        );
        const lines = plan.rows.map((row) => row['QUERY PLAN']).slice(0, 14);
        console.log(`\n-- ${scenario.name}\n${lines.join('\n')}`);
      }
    }
  }

  // These read raw tables and are the slowest: measured last, so requests of theirs still running when their window
  // ends cannot slow the other endpoints' figures.
  const rawTableScenarios = new Set(['earnings', 'forecast']);
  scenarios.sort((a, b) => Number(rawTableScenarios.has(a.name)) - Number(rawTableScenarios.has(b.name)));
  const rows: string[] = [];
  for (const scenario of scenarios) {
    const rawSamples = await rawSqlTimings(reader, statementsOf(scenario));
    const http = await load(base, token, scenario.path);
    const line = [
      scenario.name.padEnd(38),
      String(http.requests).padStart(7),
      String(http.errors).padStart(6),
      percentile(http.latencies, 0.5).toFixed(1).padStart(8),
      percentile(http.latencies, 0.95).toFixed(1).padStart(8),
      percentile(http.latencies, 0.99).toFixed(1).padStart(8),
      percentile(rawSamples, 0.5).toFixed(1).padStart(9),
      percentile(rawSamples, 0.95).toFixed(1).padStart(9),
    ].join(' ');
    rows.push(line);
    console.log(line);
  }
  const backtestToken = signUserJwt({ sub: 'bench-user', org: BACKTEST_TENANT, roles: [] }, JWT_SECRET, {
    expiresInSeconds: 3600,
  });
  const backtest = await printBacktest(base, backtestToken, url);
  await reader.end();
  await app.close();
  await db.end();

  const machine = [
    `nproc ${execFileSync('nproc').toString().trim()}`,
    `memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `node ${process.version}`,
    (await pgVersion(url)) ?? '',
  ].join(', ');
  console.log('');
  console.log(`Machine: ${machine}; ${CONNECTIONS} concurrent connections, ${SECONDS} s per endpoint`);
  console.log(
    `${'endpoint'.padEnd(38)} ${'reqs'.padStart(7)} ${'errors'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'sql p50'.padStart(9)} ${'sql p95'.padStart(9)}`,
  );
  for (const row of rows) console.log(row);
  for (const line of backtest) console.log(line);
  if (process.env.BENCH_KEEP_DATABASE !== '1') {
    const cleanup = new Client({ connectionString: urlFor('postgres') });
    await cleanup.connect();
    await cleanup.query(`drop database if exists ${DATABASE} with (force)`);
    await cleanup.end();
  }
}

async function pgVersion(url: string): Promise<string | undefined> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    return (await client.query<{ server_version: string }>('show server_version')).rows[0]?.server_version.replace(
      /^/,
      'PostgreSQL ',
    );
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
