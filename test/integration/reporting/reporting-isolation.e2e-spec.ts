import request from 'supertest';
import { Client, types } from 'pg';

import { signUserJwt } from '@pp/auth';
import { uniqueName } from '@pp/testing';

import { ReportingDatabase } from '../../../apps/reporting/src/database/reporting-database.service';
import { sql, table, tenant } from '../../../apps/reporting/src/database/sql';
import { TenantScope } from '../../../apps/reporting/src/database/tenant-scope';
import { JWT_SECRET, ReportingHarness, startReporting } from './reporting-app';
import { seedOrgA, seedOrgB } from './reporting-fixture';

type Fixture = Awaited<ReturnType<typeof seedOrgA>>;

const LISTS = [
  '/v1/programs',
  '/v1/referrals',
  '/v1/accounts',
  '/v1/contacts',
  '/v1/transactions',
  '/v1/rewards',
  '/v1/payouts',
  '/v1/leads',
  '/v1/deals',
  '/v1/sync-runs',
  '/v1/reports/missed-rewards',
];
const PROGRAM_FILTERED = [
  '/v1/referrals',
  '/v1/accounts',
  '/v1/contacts',
  '/v1/transactions',
  '/v1/rewards',
  '/v1/reports/missed-rewards',
];

describe('reporting isolation, authentication and read-only access', () => {
  let harness: ReportingHarness;
  let a: Fixture;
  let b: Fixture;
  const orgA = uniqueName('org_a');
  const orgB = uniqueName('org_b');
  /** Every id and PartnerStack key of org A: none may appear in anything org B is answered. */
  let secretsOfA: string[];

  const asB = (path: string, query: Record<string, string | boolean> = {}, accept = 'application/json') =>
    request(harness.app.getHttpServer())
      .get(path)
      .query(query)
      .set('Accept', accept)
      .set('Authorization', `Bearer ${harness.tokenFor(orgB)}`);
  const expectNothingOfA = (text: string) => {
    for (const secret of secretsOfA) expect(text).not.toContain(secret);
    expect(text).not.toContain(orgA);
  };

  beforeAll(async () => {
    harness = await startReporting();
    a = await seedOrgA(harness.admin, orgA);
    b = await seedOrgB(harness.admin, orgB);
    secretsOfA = Object.values(a).flatMap((row) => [row.id, row.external_key]);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it("never answers org B with org A's records, whatever ids or filters it sends", async () => {
    for (const path of LISTS) {
      for (const accept of ['application/json', 'text/csv']) {
        const response = await asB(path, { includeRemoved: true }, accept).expect(200);
        expectNothingOfA(response.text);
      }
    }
    for (const path of PROGRAM_FILTERED) {
      const response = await asB(path, { programId: a.P1.id, includeRemoved: true }).expect(200);
      expect(response.body.data).toEqual([]);
    }
    const q = await asB('/v1/referrals', { q: 'acme' }).expect(200);
    expect(q.body.data).toEqual([]);
    const status = await asB('/v1/rewards', { status: 'declined' }).expect(200);
    expect(status.body.data).toEqual([]);
    await asB(`/v1/programs/${a.P1.id}`).expect(404);
    await asB(`/v1/referrals/${a.C1.id}`).expect(404);
    await asB(`/v1/accounts/${a.account.id}`).expect(404);
    await asB(`/v1/contacts/${a.contact.id}`).expect(404);
    await asB(`/v1/sync-runs/${a.S1.id}`).expect(404);
    await asB(`/v1/sync-runs/${a.S1.external_key}`).expect(404);
    // Org B has no sync run: org A's succeeded one must not give it a data time.
    expect((await asB('/v1/summary').expect(200)).body.dataAsOf).toBeNull();

    for (const path of ['/v1/summary', '/v1/reports/revenue', '/v1/reports/rewards']) {
      for (const groupBy of path === '/v1/summary' ? [undefined] : ['program', 'month', 'account']) {
        const query: Record<string, string | boolean> = { includeRemoved: true, ...(groupBy ? { groupBy } : {}) };
        expectNothingOfA((await asB(path, query).expect(200)).text);
        const filtered = await asB(path, { ...query, programId: a.P1.id }).expect(200);
        expectNothingOfA(filtered.text);
      }
    }
    const summary = (await asB('/v1/summary').expect(200)).body;
    expect(summary.revenue.totals).toEqual([{ amount: 1234, currency: 'USD' }]);
    expect(summary.rewards.total).toBe(1);
    const filteredSummary = (await asB('/v1/summary', { programId: a.P1.id }).expect(200)).body;
    expect(filteredSummary.revenue.totals).toEqual([]);

    // A cursor made from one of org A's rows only positions org B's own list.
    const pageOfA = await request(harness.app.getHttpServer())
      .get('/v1/transactions')
      .query({ limit: 1 })
      .set('Authorization', `Bearer ${harness.tokenFor(orgA)}`)
      .expect(200);
    expect(pageOfA.body.data).toHaveLength(1);
    const withCursor = await asB('/v1/transactions', { cursor: pageOfA.body.nextCursor }).expect(200);
    expectNothingOfA(withCursor.text);
    expect(withCursor.body.data.map((row: { id: string }) => row.id)).toEqual([b.TB.id]);
  });

  it('answers 401 without a valid token and 403 without an org', async () => {
    const server = harness.app.getHttpServer();
    const paths = [
      ...LISTS,
      '/v1/summary',
      '/v1/reports/revenue?groupBy=month',
      `/v1/referrals/${a.C1.id}`,
      `/v1/sync-runs/${a.S1.id}`,
    ];
    for (const path of paths) {
      await request(server).get(path).expect(401);
      await request(server).get(path).set('Authorization', 'Bearer not-a-jwt').expect(401);
      const wrongKey = signUserJwt({ sub: 'u', org: orgA }, 'another-secret-of-enough-length-0123456789');
      await request(server).get(path).set('Authorization', `Bearer ${wrongKey}`).expect(401);
      const expired = signUserJwt({ sub: 'u', org: orgA }, JWT_SECRET, { expiresInSeconds: -60 });
      await request(server).get(path).set('Authorization', `Bearer ${expired}`).expect(401);
      const noOrg = signUserJwt({ sub: 'u' }, JWT_SECRET);
      const forbidden = await request(server).get(path).set('Authorization', `Bearer ${noOrg}`).expect(403);
      // A problem's `instance` echoes the path the caller sent; nothing else may name A's records.
      const { instance, ...problem } = forbidden.body as { instance: string };
      expect(instance).toBe(path.split('?')[0]);
      expectNothingOfA(JSON.stringify(problem));
    }
    await request(server).get('/health/ready').expect(200);
  });

  it('reads in sessions that are read-only, time-bounded, in UTC and without JIT, with numbers and dates parsed', async () => {
    const database = harness.app.get(ReportingDatabase);
    const scope = TenantScope.fromUser({ userId: 'u', orgId: orgA, roles: [] });
    const row = await database.one<Record<string, unknown>>(
      scope,
      sql`select current_setting('default_transaction_read_only') as read_only, current_setting('statement_timeout') as timeout,
 current_setting('TimeZone') as zone, current_setting('jit') as jit, current_setting('application_name') as application,
 sum(r.amount) as total, count(*) as rewards, max(r.created_at) as latest, '{"a": 1}'::jsonb ? 'a' as has_key
 from ${table('reward', 'r')} where ${tenant('r')}`,
    );
    expect(row).toEqual({
      read_only: 'on',
      timeout: '15s',
      zone: 'UTC',
      jit: 'off',
      application: 'pp-reporting',
      total: 12500,
      rewards: expect.any(Number),
      latest: expect.any(Date),
      has_key: true,
    });
    // The parsers belong to reporting's connections: pg's process-wide bigint parser still returns text.
    expect(types.getTypeParser(types.builtins.INT8)('5')).toBe('5');
  });

  it("cannot write through the service's connection, nor as its database role", async () => {
    const database = harness.app.get(ReportingDatabase);
    const scope = TenantScope.fromUser({ userId: 'u', orgId: orgA, roles: [] });
    await expect(
      database.many(scope, sql`update ${table('reward', 'r')} set amount = 0 where ${tenant('r')} returning r.id`),
    ).rejects.toMatchObject({ code: '25006' });

    // Even with the session's read-only default switched off, the role itself holds SELECT grants only.
    const reader = new Client({ connectionString: harness.readerUrl });
    await reader.connect();
    try {
      for (const statement of [
        `update domain.reward set amount = 0 where tenant_id = '${orgA}'`,
        `delete from domain.billing_record where tenant_id = '${orgA}'`,
        `insert into domain.report_missed_reward (id, tenant_id, reason, reference_at, removed) values (gen_random_uuid(), 'x', 'x', now(), false)`,
        `select domain.refresh_tenant_aggregates('${orgA}')`,
      ]) {
        await expect(reader.query(statement)).rejects.toMatchObject({ code: '42501' });
      }
    } finally {
      await reader.end();
    }
    const unchanged = await harness.admin.query(
      'select sum(amount)::int as total from domain.reward where tenant_id = $1',
      [orgA],
    );
    expect(unchanged.rows[0].total).toBe(12500);
  });
});
