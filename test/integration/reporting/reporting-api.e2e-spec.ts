import { randomUUID } from 'node:crypto';

import request from 'supertest';

import { uniqueName } from '@pp/testing';

import { ReportingHarness, startReporting } from './reporting-app';
import { daysAgo, insert, seedOrgA } from './reporting-fixture';

type Fixture = Awaited<ReturnType<typeof seedOrgA>>;

/**
 * February (T3; T4 refunded) and March (T5 on the 1st, without amount_usd; T7 is removed): the same points whether
 * March is read whole or only up to its 3rd.
 */
const FEBRUARY_AND_MARCH_REVENUE = [
  {
    key: '2026-02',
    label: '2026-02',
    revenue: [{ amount: 20000, currency: 'USD' }],
    revenueUsd: { amount: 20000, currency: 'USD' },
    transactions: 1,
    transactionsWithoutUsd: 0,
    refunds: [{ amount: 3000, currency: 'USD' }],
    refundedTransactions: 1,
  },
  {
    key: '2026-03',
    label: '2026-03',
    revenue: [{ amount: 7000, currency: 'USD' }],
    revenueUsd: { amount: 0, currency: 'USD' },
    transactions: 1,
    transactionsWithoutUsd: 1,
    refunds: [],
    refundedTransactions: 0,
  },
];

describe('reporting API (numbers worked out by hand from reporting-fixture.ts)', () => {
  let harness: ReportingHarness;
  let fx: Fixture;
  let token: string;
  const org = uniqueName('org_a');

  const get = (path: string, query: Record<string, string | number | boolean> = {}) =>
    request(harness.app.getHttpServer()).get(path).query(query).set('Authorization', `Bearer ${token}`);
  const keysOf = (data: Array<{ externalKey: string }>) => data.map((item) => item.externalKey);

  beforeAll(async () => {
    harness = await startReporting();
    fx = await seedOrgA(harness.admin, org);
    token = harness.tokenFor(org);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('summarises the org, leaving out refunds and removed records', async () => {
    const { body } = await get('/v1/summary').expect(200);
    expect(body.programs).toEqual({ total: 2 });
    expect(body.referrals).toEqual({
      total: 3,
      paying: 2,
      // Only C1 has an account (Acme Store); the other referrals count for no client account.
      clientAccounts: 1,
      byStatus: [
        { status: 'converted', count: 2 },
        { status: 'referred', count: 1 },
      ],
    });
    expect(body.revenue).toEqual({
      totals: [
        { amount: 5000, currency: 'EUR' },
        { amount: 38000, currency: 'USD' },
      ],
      totalUsd: { amount: 36500, currency: 'USD' },
      transactions: 5,
      transactionsWithoutUsd: 1,
    });
    expect(body.refunds).toEqual({ totals: [{ amount: 3000, currency: 'USD' }], transactions: 1 });
    expect(body.rewards.total).toBe(6);
    expect(body.rewards.totals).toEqual([
      { amount: 800, currency: 'EUR' },
      { amount: 11700, currency: 'USD' },
    ]);
    expect(body.rewards.byStatus).toEqual([
      {
        status: 'approved',
        count: 3,
        totals: [
          { amount: 800, currency: 'EUR' },
          { amount: 2700, currency: 'USD' },
        ],
      },
      { status: 'declined', count: 1, totals: [{ amount: 1500, currency: 'USD' }] },
      { status: 'hold', count: 1, totals: [{ amount: 2500, currency: 'USD' }] },
      { status: 'pending', count: 1, totals: [{ amount: 5000, currency: 'USD' }] },
    ]);
    expect(body.rewards.byPaymentStatus).toEqual([
      {
        status: 'available',
        count: 2,
        totals: [
          { amount: 800, currency: 'EUR' },
          { amount: 2000, currency: 'USD' },
        ],
      },
      { status: 'failed', count: 1, totals: [{ amount: 700, currency: 'USD' }] },
      { status: null, count: 3, totals: [{ amount: 9000, currency: 'USD' }] },
    ]);
    expect(body.payouts).toEqual({
      total: 2,
      totals: [
        { amount: 2500, currency: 'EUR' },
        { amount: 10000, currency: 'USD' },
      ],
      byStatus: [
        { status: 'failed', count: 1, totals: [{ amount: 2500, currency: 'EUR' }] },
        { status: 'successful', count: 1, totals: [{ amount: 10000, currency: 'USD' }] },
      ],
    });
    // run_s1 succeeded; the newer run_s2 failed and does not count. Neither reported freshness.
    expect(body.dataAsOf).toBe('2026-11-20T10:00:00.000Z');
    expect(body.freshness).toEqual([]);
  });

  it('counts removed records only with includeRemoved=true', async () => {
    const { body } = await get('/v1/summary', { includeRemoved: true }).expect(200);
    expect(body.programs.total).toBe(3);
    expect(body.referrals.total).toBe(4);
    expect(body.revenue.totals).toEqual([
      { amount: 5000, currency: 'EUR' },
      { amount: 47999, currency: 'USD' },
    ]);
  });

  it('lists programs with group, referral link and commission rules, and details one with its totals', async () => {
    const { body } = await get('/v1/programs').expect(200);
    expect(keysOf(body.data)).toEqual(['part_p2', 'part_p1']);
    const p1 = body.data[1];
    expect(p1).toMatchObject({
      id: fx.P1.id,
      name: 'Shopwise',
      status: 'active',
      group: { key: 'grup_agency', name: 'Agency Partners', slug: 'agencypartners' },
      referralLink: 'https://shopwise.partnerlinks.io/agency42',
      revenueShareRate: 20,
      company: { id: fx.g1.id, externalKey: 'co_shopwise', name: 'Shopwise' },
    });
    expect(p1.commissionRules).toEqual([
      { kind: 'percentage', sourceType: null, rate: 20, currency: 'USD', description: '20% of every payment' },
    ]);
    expect(body.data[0].revenueShareRate).toBeNull();

    const detail = await get(`/v1/programs/${fx.P1.id}`).expect(200);
    expect(detail.body.stats).toEqual({
      referrals: 2,
      revenue: [
        { amount: 5000, currency: 'EUR' },
        { amount: 31000, currency: 'USD' },
      ],
      refunds: [{ amount: 3000, currency: 'USD' }],
      rewards: [
        { amount: 800, currency: 'EUR' },
        { amount: 4200, currency: 'USD' },
      ],
    });
    await get(`/v1/programs/${randomUUID()}`).expect(404);
    await get('/v1/programs/not-a-uuid').expect(404);
  });

  it('lists referrals with account, contact and program, filtered by program, status and text', async () => {
    const { body } = await get('/v1/referrals').expect(200);
    expect(keysOf(body.data)).toEqual(['cus_c3', 'cus_c2', 'cus_c1']);
    expect(body.data[2]).toMatchObject({
      id: fx.C1.id,
      status: 'converted',
      hasPaid: true,
      account: { id: fx.account.id, name: 'Acme Store', countryIso: 'US' },
      contact: { id: fx.contact.id, email: 'owner@acme.example', name: 'Ada Owner' },
      program: { id: fx.P1.id, externalKey: 'part_p1', name: 'Shopwise' },
      removedUpstreamAt: null,
    });
    expect(keysOf((await get('/v1/referrals', { programId: fx.P2.id }).expect(200)).body.data)).toEqual(['cus_c3']);
    expect(keysOf((await get('/v1/referrals', { status: 'converted' }).expect(200)).body.data)).toEqual([
      'cus_c2',
      'cus_c1',
    ]);
    expect(keysOf((await get('/v1/referrals', { q: 'acme' }).expect(200)).body.data)).toEqual(['cus_c1']);
    expect(keysOf((await get('/v1/referrals', { includeRemoved: true }).expect(200)).body.data)).toEqual([
      'cus_c4',
      'cus_c3',
      'cus_c2',
      'cus_c1',
    ]);
  });

  it('details a referral with its status history, transactions and rewards', async () => {
    const { body } = await get(`/v1/referrals/${fx.C1.id}`).expect(200);
    expect(body.statusHistory).toEqual([
      { field: 'status', from: 'referred', to: 'converted', at: '2026-01-10T00:00:00.000Z' },
    ]);
    expect(keysOf(body.transactions)).toEqual(['tran_t6', 'tran_t3', 'tran_t2', 'tran_t1']);
    expect(keysOf(body.rewards)).toEqual(['rwrd_r6', 'rwrd_r3', 'rwrd_r2', 'rwrd_r1']);
    expect(body.rewards[2]).toMatchObject({ amount: { amount: 800, currency: 'EUR' }, transactionId: fx.T2.id });
    await get(`/v1/referrals/${randomUUID()}`).expect(404);
  });

  it('lists transactions with money, refunds flagged, filters and sorting', async () => {
    const { body } = await get('/v1/transactions').expect(200);
    expect(keysOf(body.data)).toEqual(['tran_t6', 'tran_t5', 'tran_t4', 'tran_t3', 'tran_t2', 'tran_t1']);
    expect(body.nextCursor).toBeNull();
    expect(body.data[4]).toMatchObject({
      id: fx.T2.id,
      amount: { amount: 5000, currency: 'EUR' },
      amountUsd: { amount: 5500, currency: 'USD' },
      refunded: false,
      referralId: fx.C1.id,
      program: { id: fx.P1.id, name: 'Shopwise' },
      createdAt: '2026-01-20T00:00:00.000Z',
    });
    expect(body.data[2]).toMatchObject({ externalKey: 'tran_t4', refunded: true });
    expect(body.data[1].amountUsd).toBeNull();
    const filtered = async (query: Record<string, string | number | boolean>) =>
      keysOf((await get('/v1/transactions', query).expect(200)).body.data);
    expect(await filtered({ programId: fx.P2.id })).toEqual(['tran_t5']);
    expect(await filtered({ from: '2026-02-01', to: '2026-02-10' })).toEqual(['tran_t4', 'tran_t3']);
    expect(await filtered({ from: '2026-02-01T00:00:00Z', to: '2026-02-10T00:00:00Z' })).toEqual(['tran_t3']);
    expect(await filtered({ q: 'T3' })).toEqual(['tran_t3']);
    expect(await filtered({ q: 'pro_year' })).toEqual(['tran_t3']);
    expect(await filtered({ refunded: true })).toEqual(['tran_t4']);
    expect(await filtered({ sort: 'amount' })).toEqual([
      'tran_t6',
      'tran_t4',
      'tran_t2',
      'tran_t5',
      'tran_t1',
      'tran_t3',
    ]);
    expect(await filtered({ sort: 'createdAt', includeRemoved: true })).toEqual([
      'tran_t1',
      'tran_t2',
      'tran_t3',
      'tran_t4',
      'tran_t5',
      'tran_t7',
      'tran_t6',
    ]);
    await get('/v1/transactions', { status: 'paid' }).expect(400);
    await get('/v1/transactions', { sort: 'status' }).expect(400);
    await get('/v1/transactions', { limit: 501 }).expect(400);
    await get('/v1/transactions', { programId: 'nope' }).expect(400);
    await get('/v1/transactions', { cursor: 'garbage' }).expect(400);
    await get('/v1/transactions', { unknown: 1 }).expect(400);
  });

  it('lists rewards by reward_status and payment_status', async () => {
    const { body } = await get('/v1/rewards').expect(200);
    expect(keysOf(body.data)).toEqual(['rwrd_r5', 'rwrd_r6', 'rwrd_r4', 'rwrd_r3', 'rwrd_r2', 'rwrd_r1']);
    const declined = (await get('/v1/rewards', { status: 'declined' }).expect(200)).body.data;
    expect(declined).toHaveLength(1);
    expect(declined[0]).toMatchObject({
      externalKey: 'rwrd_r3',
      declineReason: 'Duplicate customer',
      amount: { amount: 1500, currency: 'USD' },
    });
    expect(keysOf((await get('/v1/rewards', { paymentStatus: 'failed' }).expect(200)).body.data)).toEqual(['rwrd_r6']);
    expect(keysOf((await get('/v1/rewards', { programId: fx.P2.id }).expect(200)).body.data)).toEqual([
      'rwrd_r5',
      'rwrd_r4',
    ]);
  });

  it('lists payouts, leads, deals and sync runs', async () => {
    const payouts = (await get('/v1/payouts').expect(200)).body.data;
    expect(payouts.map((payout: { amount: unknown }) => payout.amount)).toEqual([
      { amount: 2500, currency: 'EUR' },
      { amount: 10000, currency: 'USD' },
    ]);
    expect(keysOf((await get('/v1/payouts', { status: 'successful' }).expect(200)).body.data)).toEqual(['pay_po1']);
    const leads = (await get('/v1/leads').expect(200)).body.data;
    expect(leads.map((lead: { externalKey: string; status: string }) => [lead.externalKey, lead.status])).toEqual([
      ['lead_l2', 'closed won'],
      ['lead_l1', 'open'],
    ]);
    expect(keysOf((await get('/v1/leads', { q: 'globex' }).expect(200)).body.data)).toEqual(['lead_l1']);
    const deals = (await get('/v1/deals').expect(200)).body.data;
    expect(deals).toEqual([
      expect.objectContaining({
        id: fx.D1.id,
        stage: 'Qualified',
        amount: { amount: 150000, currency: 'USD' },
        closeDate: '2026-07-31',
      }),
    ]);
    const runs = (await get('/v1/sync-runs').expect(200)).body.data;
    expect(runs.map((run: { externalKey: string; status: string }) => [run.externalKey, run.status])).toEqual([
      ['run_s2', 'failed'],
      ['run_s1', 'succeeded'],
    ]);
    expect(runs[0].error).toBe('PartnerStack answered 503');
    expect(runs[1]).toMatchObject({
      recordsFetched: 120,
      streams: [{ stream: 'rewards', status: 'succeeded', fetched: 6 }],
    });
    await get('/v1/leads', { programId: fx.P1.id }).expect(400);
  });

  it('reports revenue per month and per program, refunds apart', async () => {
    const months = (
      await get('/v1/reports/revenue', { groupBy: 'month', from: '2026-01-01', to: '2026-03-31' }).expect(200)
    ).body;
    expect(months.groupBy).toBe('month');
    expect(months.data).toEqual([
      {
        key: '2026-01',
        label: '2026-01',
        revenue: [
          { amount: 5000, currency: 'EUR' },
          { amount: 10000, currency: 'USD' },
        ],
        revenueUsd: { amount: 15500, currency: 'USD' },
        transactions: 2,
        transactionsWithoutUsd: 0,
        refunds: [],
        refundedTransactions: 0,
      },
      ...FEBRUARY_AND_MARCH_REVENUE,
    ]);
    const programs = (await get('/v1/reports/revenue', { groupBy: 'program' }).expect(200)).body.data;
    const byKey = Object.fromEntries(programs.map((point: { key: string }) => [point.key, point]));
    expect(byKey[fx.P1.id]).toMatchObject({
      label: 'Shopwise',
      revenue: [
        { amount: 5000, currency: 'EUR' },
        { amount: 31000, currency: 'USD' },
      ],
      revenueUsd: { amount: 36500, currency: 'USD' },
      transactions: 4,
      refunds: [{ amount: 3000, currency: 'USD' }],
    });
    expect(byKey[fx.P2.id]).toMatchObject({
      label: 'Fastmail',
      revenue: [{ amount: 7000, currency: 'USD' }],
      transactionsWithoutUsd: 1,
    });
    expect(programs).toHaveLength(2);
    await get('/v1/reports/revenue', { groupBy: 'status' }).expect(400);
    await get('/v1/reports/revenue', { groupBy: 'month', from: '2026-01-01T10:00:00Z' }).expect(400);
  });

  it('reports rewards per status, program and month', async () => {
    const statuses = (await get('/v1/reports/rewards', { groupBy: 'status' }).expect(200)).body.data;
    expect(statuses).toEqual([
      {
        key: 'approved',
        label: 'approved',
        totals: [
          { amount: 800, currency: 'EUR' },
          { amount: 2700, currency: 'USD' },
        ],
        rewards: 3,
      },
      { key: 'declined', label: 'declined', totals: [{ amount: 1500, currency: 'USD' }], rewards: 1 },
      { key: 'hold', label: 'hold', totals: [{ amount: 2500, currency: 'USD' }], rewards: 1 },
      { key: 'pending', label: 'pending', totals: [{ amount: 5000, currency: 'USD' }], rewards: 1 },
    ]);
    const programs = (await get('/v1/reports/rewards', { groupBy: 'program' }).expect(200)).body.data;
    expect(
      Object.fromEntries(programs.map((point: { key: string; totals: unknown }) => [point.key, point.totals])),
    ).toEqual({
      [fx.P1.id]: [
        { amount: 800, currency: 'EUR' },
        { amount: 4200, currency: 'USD' },
      ],
      [fx.P2.id]: [{ amount: 7500, currency: 'USD' }],
    });
    const months = (await get('/v1/reports/rewards', { groupBy: 'month', to: '2026-03-31' }).expect(200)).body.data;
    expect(months).toEqual([
      {
        key: '2026-01',
        label: '2026-01',
        totals: [
          { amount: 800, currency: 'EUR' },
          { amount: 2000, currency: 'USD' },
        ],
        rewards: 2,
      },
      { key: '2026-02', label: '2026-02', totals: [{ amount: 6500, currency: 'USD' }], rewards: 2 },
      { key: '2026-03', label: '2026-03', totals: [{ amount: 700, currency: 'USD' }], rewards: 1 },
    ]);
  });

  // 2026-01-15..2026-03-03 reads January and March in part (from the daily rows) and February whole (monthly).
  it('reports revenue per month over a range that cuts a month at both ends', async () => {
    const expected = [
      {
        key: '2026-01',
        label: '2026-01',
        revenue: [{ amount: 5000, currency: 'EUR' }],
        revenueUsd: { amount: 5500, currency: 'USD' },
        transactions: 1,
        transactionsWithoutUsd: 0,
        refunds: [],
        refundedTransactions: 0,
      },
      ...FEBRUARY_AND_MARCH_REVENUE,
    ];
    const range = { groupBy: 'month', from: '2026-01-15', to: '2026-03-03' };
    // T1 (January 10th) is before the range; T7 (removed, March 15th) after it even with includeRemoved.
    expect((await get('/v1/reports/revenue', range).expect(200)).body.data).toEqual(expected);
    expect((await get('/v1/reports/revenue', { ...range, includeRemoved: true }).expect(200)).body.data).toEqual(
      expected,
    );
  });

  it('reports revenue per month exactly for ranges starting and ending anywhere in a month', async () => {
    const transactions = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7'].map((key) => fx[key]);
    const dayOf = (row: Record<string, unknown>) => String(row.source_created_at).slice(0, 10);
    const perCurrency = (rows: Array<Record<string, unknown>>) => {
      const totals = new Map<string, number>();
      for (const row of rows)
        totals.set(String(row.currency), (totals.get(String(row.currency)) ?? 0) + Number(row.amount));
      return [...totals.keys()].sort().map((currency) => ({ amount: totals.get(currency), currency }));
    };
    const byHand = (from: string, to: string, includeRemoved: boolean) => {
      const inRange = transactions.filter(
        (row) => (includeRemoved || !row.removed_upstream_at) && dayOf(row) >= from && dayOf(row) <= to,
      );
      const months = [...new Set(inRange.map((row) => dayOf(row).slice(0, 7)))].sort();
      return months.map((month) => {
        const rows = inRange.filter((row) => dayOf(row).startsWith(month));
        const paid = rows.filter((row) => row.refunded !== true);
        const refunded = rows.filter((row) => row.refunded === true);
        return {
          key: month,
          label: month,
          revenue: perCurrency(paid),
          revenueUsd: { amount: paid.reduce((sum, row) => sum + Number(row.amount_usd ?? 0), 0), currency: 'USD' },
          transactions: paid.length,
          transactionsWithoutUsd: paid.filter((row) => row.amount_usd === null).length,
          refunds: perCurrency(refunded),
          refundedTransactions: refunded.length,
        };
      });
    };
    const bounds = ['2025-12-31', '2026-01-01', '2026-01-10', '2026-01-11', '2026-01-31', '2026-02-01', '2026-02-10'];
    bounds.push('2026-02-28', '2026-03-01', '2026-03-02', '2026-03-15', '2026-03-31', '2026-04-01', daysAgo(0));
    for (const from of bounds) {
      for (const to of bounds.filter((day) => day >= from)) {
        for (const includeRemoved of [false, true]) {
          const query = { groupBy: 'month', from: from.slice(0, 10), to: to.slice(0, 10), includeRemoved };
          const { body } = await get('/v1/reports/revenue', query).expect(200);
          expect({ query, data: body.data }).toEqual({ query, data: byHand(query.from, query.to, includeRemoved) });
        }
      }
    }
  });

  it('reports rewards per month, status and program over a range that cuts a month at both ends', async () => {
    // R1 (January 11th) is before the range, R6 (March 5th) after it.
    const range = { from: '2026-01-15', to: '2026-03-03' };
    expect((await get('/v1/reports/rewards', { ...range, groupBy: 'month' }).expect(200)).body.data).toEqual([
      { key: '2026-01', label: '2026-01', totals: [{ amount: 800, currency: 'EUR' }], rewards: 1 },
      { key: '2026-02', label: '2026-02', totals: [{ amount: 6500, currency: 'USD' }], rewards: 2 },
    ]);
    expect((await get('/v1/reports/rewards', { ...range, groupBy: 'status' }).expect(200)).body.data).toEqual([
      { key: 'approved', label: 'approved', totals: [{ amount: 800, currency: 'EUR' }], rewards: 1 },
      { key: 'declined', label: 'declined', totals: [{ amount: 1500, currency: 'USD' }], rewards: 1 },
      { key: 'pending', label: 'pending', totals: [{ amount: 5000, currency: 'USD' }], rewards: 1 },
    ]);
    const programs = (await get('/v1/reports/rewards', { ...range, groupBy: 'program' }).expect(200)).body.data;
    expect(
      Object.fromEntries(programs.map((point: { key: string; totals: unknown }) => [point.key, point.totals])),
    ).toEqual({
      [fx.P1.id]: [
        { amount: 800, currency: 'EUR' },
        { amount: 1500, currency: 'USD' },
      ],
      [fx.P2.id]: [{ amount: 5000, currency: 'USD' }],
    });
    const p2 = (await get('/v1/reports/rewards', { ...range, groupBy: 'month', programId: fx.P2.id }).expect(200)).body;
    expect(p2.data).toEqual([
      { key: '2026-02', label: '2026-02', totals: [{ amount: 5000, currency: 'USD' }], rewards: 1 },
    ]);
  });

  it('summarises a range that cuts a month at both ends', async () => {
    // 2026-01-06..2026-03-03: C1 and C2 (January 2nd and 5th) are before it; R6, PO2 and T7 (March 5th to 15th) after.
    const range = { from: '2026-01-06', to: '2026-03-03' };
    const { body } = await get('/v1/summary', range).expect(200);
    expect(body.programs).toEqual({ total: 2 });
    expect(body.referrals).toEqual({
      total: 1,
      paying: 0,
      clientAccounts: 0,
      byStatus: [{ status: 'referred', count: 1 }],
    });
    expect(body.revenue).toEqual({
      totals: [
        { amount: 5000, currency: 'EUR' },
        { amount: 37000, currency: 'USD' },
      ],
      totalUsd: { amount: 35500, currency: 'USD' },
      transactions: 4,
      transactionsWithoutUsd: 1,
    });
    expect(body.refunds).toEqual({ totals: [{ amount: 3000, currency: 'USD' }], transactions: 1 });
    expect(body.rewards).toEqual({
      total: 4,
      totals: [
        { amount: 800, currency: 'EUR' },
        { amount: 8500, currency: 'USD' },
      ],
      byStatus: [
        {
          status: 'approved',
          count: 2,
          totals: [
            { amount: 800, currency: 'EUR' },
            { amount: 2000, currency: 'USD' },
          ],
        },
        { status: 'declined', count: 1, totals: [{ amount: 1500, currency: 'USD' }] },
        { status: 'pending', count: 1, totals: [{ amount: 5000, currency: 'USD' }] },
      ],
      byPaymentStatus: [
        {
          status: 'available',
          count: 2,
          totals: [
            { amount: 800, currency: 'EUR' },
            { amount: 2000, currency: 'USD' },
          ],
        },
        { status: null, count: 2, totals: [{ amount: 6500, currency: 'USD' }] },
      ],
    });
    expect(body.payouts).toEqual({
      total: 1,
      totals: [{ amount: 10000, currency: 'USD' }],
      byStatus: [{ status: 'successful', count: 1, totals: [{ amount: 10000, currency: 'USD' }] }],
    });

    // C4 (removed, January 9th) is inside the range, T7 (removed, March 15th) is not.
    const removed = (await get('/v1/summary', { ...range, includeRemoved: true }).expect(200)).body;
    expect(removed.programs).toEqual({ total: 3 });
    expect(removed.referrals).toEqual({
      total: 2,
      paying: 1,
      clientAccounts: 0,
      byStatus: [
        { status: 'converted', count: 1 },
        { status: 'referred', count: 1 },
      ],
    });
    expect(removed.revenue).toEqual(body.revenue);
  });

  it('finds the missed rewards, each with its reason, amount at stake and links', async () => {
    const { body } = await get('/v1/reports/missed-rewards').expect(200);
    expect(body.data.map((row: { reason: string }) => row.reason)).toEqual([
      'reward_payment_failed',
      'reward_stuck',
      'transaction_without_reward',
      'reward_declined',
      'reward_below_rule',
      'paying_customer_without_reward',
    ]);
    const byReason = Object.fromEntries(body.data.map((row: { reason: string }) => [row.reason, row]));
    expect(byReason.transaction_without_reward).toMatchObject({
      amountAtStake: { amount: 4000, currency: 'USD' },
      expected: { amount: 4000, currency: 'USD' },
      ratePercent: 20,
      transaction: { id: fx.T3.id, externalKey: 'tran_t3' },
      referral: { id: fx.C1.id, externalKey: 'cus_c1' },
      program: { id: fx.P1.id, name: 'Shopwise' },
      links: { program: `/v1/programs/${fx.P1.id}`, referral: `/v1/referrals/${fx.C1.id}` },
    });
    expect(byReason.reward_below_rule).toMatchObject({
      amountAtStake: { amount: 200, currency: 'EUR' },
      expected: { amount: 1000, currency: 'EUR' },
      actual: { amount: 800, currency: 'EUR' },
      reward: { id: fx.R2.id, externalKey: 'rwrd_r2' },
    });
    expect(byReason.reward_declined).toMatchObject({
      amountAtStake: { amount: 1500, currency: 'USD' },
      declineReason: 'Duplicate customer',
      description: 'Reward declined: Duplicate customer',
    });
    expect(byReason.reward_stuck).toMatchObject({
      amountAtStake: { amount: 5000, currency: 'USD' },
      reward: { id: fx.R4.id },
    });
    expect(byReason.reward_payment_failed).toMatchObject({
      amountAtStake: { amount: 700, currency: 'USD' },
      paymentStatus: 'failed',
    });
    expect(byReason.paying_customer_without_reward).toMatchObject({ amountAtStake: null, referral: { id: fx.C2.id } });
    expect(body.summary).toEqual([
      { reason: 'paying_customer_without_reward', count: 1, amountAtStake: [] },
      { reason: 'reward_below_rule', count: 1, amountAtStake: [{ amount: 200, currency: 'EUR' }] },
      { reason: 'reward_declined', count: 1, amountAtStake: [{ amount: 1500, currency: 'USD' }] },
      { reason: 'reward_payment_failed', count: 1, amountAtStake: [{ amount: 700, currency: 'USD' }] },
      { reason: 'reward_stuck', count: 1, amountAtStake: [{ amount: 5000, currency: 'USD' }] },
      { reason: 'transaction_without_reward', count: 1, amountAtStake: [{ amount: 4000, currency: 'USD' }] },
    ]);
    expect(body.thresholds).toEqual({ afterDays: 30, stuckDays: 60 });

    const removed = (
      await get('/v1/reports/missed-rewards', { includeRemoved: true, reason: 'transaction_without_reward' }).expect(
        200,
      )
    ).body;
    expect(removed.data.map((row: { transaction: { externalKey: string } }) => row.transaction.externalKey)).toEqual([
      'tran_t7',
      'tran_t3',
    ]);
    expect(removed.data[0].amountAtStake).toEqual({ amount: 2000, currency: 'USD' });
    const p2 = (await get('/v1/reports/missed-rewards', { programId: fx.P2.id }).expect(200)).body;
    expect(p2.data.map((row: { reason: string }) => row.reason)).toEqual(['reward_stuck']);
    expect(p2.summary).toEqual([
      { reason: 'reward_stuck', count: 1, amountAtStake: [{ amount: 5000, currency: 'USD' }] },
    ]);
    // Date-time bounds take the exact path over every candidate; it must agree with the per-day totals.
    const exact = (await get('/v1/reports/missed-rewards', { from: '2025-01-01T00:00:00Z' }).expect(200)).body;
    expect(exact.summary).toEqual(body.summary);
    const february = (await get('/v1/reports/missed-rewards', { from: '2026-02-01', to: '2026-02-28' }).expect(200))
      .body;
    expect(february.summary.map((entry: { reason: string }) => entry.reason)).toEqual([
      'reward_declined',
      'reward_stuck',
      'transaction_without_reward',
    ]);
    // Cuts January and March: C2 (January 5th) is before the range, R6 (March 5th) after it.
    const cut = (await get('/v1/reports/missed-rewards', { from: '2026-01-15', to: '2026-03-03' }).expect(200)).body;
    expect(cut.summary).toEqual([
      { reason: 'reward_below_rule', count: 1, amountAtStake: [{ amount: 200, currency: 'EUR' }] },
      { reason: 'reward_declined', count: 1, amountAtStake: [{ amount: 1500, currency: 'USD' }] },
      { reason: 'reward_stuck', count: 1, amountAtStake: [{ amount: 5000, currency: 'USD' }] },
      { reason: 'transaction_without_reward', count: 1, amountAtStake: [{ amount: 4000, currency: 'USD' }] },
    ]);
    const cutExactly = (
      await get('/v1/reports/missed-rewards', { from: '2026-01-15T00:00:00Z', to: '2026-03-04T00:00:00Z' }).expect(200)
    ).body;
    expect(cutExactly.summary).toEqual(cut.summary);
  });

  it('pages every list with an opaque cursor, each row exactly once', async () => {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const response: request.Response = await get('/v1/transactions', {
        limit: 2,
        ...(cursor ? { cursor } : {}),
      }).expect(200);
      pages.push(keysOf(response.body.data));
      cursor = response.body.nextCursor;
    } while (cursor);
    expect(pages).toEqual([
      ['tran_t6', 'tran_t5'],
      ['tran_t4', 'tran_t3'],
      ['tran_t2', 'tran_t1'],
    ]);
    const missed = await get('/v1/reports/missed-rewards', { limit: 4 }).expect(200);
    const rest = await get('/v1/reports/missed-rewards', { limit: 4, cursor: missed.body.nextCursor }).expect(200);
    expect(missed.body.data).toHaveLength(4);
    expect(rest.body.data).toHaveLength(2);
    expect(rest.body.nextCursor).toBeNull();
    await get('/v1/transactions', { limit: 2, sort: 'amount', cursor: missed.body.nextCursor }).expect(400);
  });

  it('returns every row exactly once while rows are inserted between pages', async () => {
    const before = keysOf((await get('/v1/rewards', { limit: 500 }).expect(200)).body.data);
    const seen: string[] = [];
    let cursor: string | null = null;
    let insertedOnce = false;
    do {
      const response: request.Response = await get('/v1/rewards', { limit: 2, ...(cursor ? { cursor } : {}) }).expect(
        200,
      );
      seen.push(...keysOf(response.body.data));
      cursor = response.body.nextCursor;
      if (!insertedOnce) {
        insertedOnce = true;
        // One newer than every row (before the first page), one with the same instant as a row not yet read, one older.
        await insert(harness.admin, 'reward', [
          {
            id: randomUUID(),
            tenant_id: org,
            external_key: 'rwrd_new_top',
            source_created_at: daysAgo(1),
            amount: 1,
            currency: 'USD',
            recurrence: 'one_time',
            last_fetched_at: new Date(),
            raw: {},
          },
          {
            id: randomUUID(),
            tenant_id: org,
            external_key: 'rwrd_new_tie',
            source_created_at: '2026-01-21T00:00:00Z',
            amount: 1,
            currency: 'USD',
            recurrence: 'one_time',
            last_fetched_at: new Date(),
            raw: {},
          },
          {
            id: randomUUID(),
            tenant_id: org,
            external_key: 'rwrd_new_old',
            source_created_at: '2025-01-01T00:00:00Z',
            amount: 1,
            currency: 'USD',
            recurrence: 'one_time',
            last_fetched_at: new Date(),
            raw: {},
          },
        ]);
      }
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (const key of before) expect(seen.filter((candidate) => candidate === key)).toHaveLength(1);
    expect(seen).not.toContain('rwrd_new_top');
    expect(seen).toContain('rwrd_new_old');
    await harness.admin.query(`delete from domain.reward where tenant_id = $1 and external_key like 'rwrd_new_%'`, [
      org,
    ]);
  });

  it('streams every list as CSV with Accept: text/csv', async () => {
    const response = await get('/v1/transactions').set('Accept', 'text/csv').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toContain('transactions.csv');
    const lines = response.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,external_key,created_at,amount,currency,amount_usd,refunded,approved,product_key,category_key,customer_key,referral_id,program_id,program_name,removed_upstream_at',
    );
    expect(lines).toHaveLength(7);
    expect(lines[5]).toBe(
      `${fx.T2.id},tran_t2,2026-01-20T00:00:00.000Z,5000,EUR,5500,false,,,,cus_c1,${fx.C1.id},${fx.P1.id},Shopwise,`,
    );
    const filtered = await get('/v1/rewards', { status: 'declined' }).set('Accept', 'text/csv').expect(200);
    expect(filtered.text.trim().split('\r\n')).toHaveLength(2);
    expect(filtered.text).toContain('Duplicate customer');
    for (const path of [
      '/v1/programs',
      '/v1/referrals',
      '/v1/payouts',
      '/v1/leads',
      '/v1/deals',
      '/v1/sync-runs',
      '/v1/reports/missed-rewards',
    ]) {
      const csv = await get(path).set('Accept', 'text/csv').expect(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.text.trim().split('\r\n').length).toBeGreaterThan(1);
    }
    const missed = await get('/v1/reports/missed-rewards').set('Accept', 'text/csv').expect(200);
    expect(missed.text.trim().split('\r\n')).toHaveLength(7);
  });

  it('starts a CSV download with a UTF-8 byte order mark for Excel only with bom=1', async () => {
    const bytesOf = (query: Record<string, string>) =>
      get('/v1/referrals', query)
        .set('Accept', 'text/csv')
        .buffer(true)
        .parse((response, done) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => done(null, Buffer.concat(chunks)));
        })
        .expect(200);
    const withBom = (await bytesOf({ bom: '1' })).body as Buffer;
    expect([...withBom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(withBom.subarray(3, 6).toString('utf8')).toBe('id,');
    const plain = (await bytesOf({})).body as Buffer;
    expect(plain.subarray(0, 3).toString('utf8')).toBe('id,');
    await get('/v1/referrals', { bom: 'yes' }).set('Accept', 'text/csv').expect(400);
  });

  it('counts a transaction as missed from the instant its grace period ends, in the list and in the totals', async () => {
    const edgeOrg = uniqueName('org_edge');
    const partnership = {
      id: randomUUID(),
      tenant_id: edgeOrg,
      external_key: 'part_edge',
      last_fetched_at: new Date(),
      raw: {},
    };
    await insert(harness.admin, 'partnership', [partnership]);
    await insert(harness.admin, 'commission_rule', [
      {
        id: randomUUID(),
        tenant_id: edgeOrg,
        partnership_id: partnership.id,
        position: 0,
        kind: 'percentage',
        rate: 10,
        raw: {},
      },
    ]);
    const hour = 3_600_000;
    const transaction = (key: string, ageMs: number) => ({
      id: randomUUID(),
      tenant_id: edgeOrg,
      external_key: key,
      partnership_id: partnership.id,
      amount: 10_000,
      currency: 'USD',
      source_created_at: new Date(Date.now() - ageMs),
      last_fetched_at: new Date(),
      raw: {},
    });
    const day = 24 * hour;
    await insert(harness.admin, 'billing_record', [
      transaction('tran_due', 30 * day + 2 * hour),
      transaction('tran_not_yet', 30 * day - 2 * hour),
      transaction('tran_old', 45 * day),
    ]);
    await harness.admin.query('select domain.refresh_tenant_aggregates($1)', [edgeOrg]);
    const edgeToken = harness.tokenFor(edgeOrg);
    const { body } = await request(harness.app.getHttpServer())
      .get('/v1/reports/missed-rewards')
      .set('Authorization', `Bearer ${edgeToken}`)
      .expect(200);
    expect(body.data.map((row: { transaction: { externalKey: string } }) => row.transaction.externalKey)).toEqual([
      'tran_due',
      'tran_old',
    ]);
    expect(body.summary).toEqual([
      { reason: 'transaction_without_reward', count: 2, amountAtStake: [{ amount: 2000, currency: 'USD' }] },
    ]);
  });

  it('serves its OpenAPI document', async () => {
    const { body } = await request(harness.app.getHttpServer()).get('/docs/openapi.json').expect(200);
    for (const path of [
      '/v1/summary',
      '/v1/programs/{id}',
      '/v1/referrals/{id}',
      '/v1/reports/missed-rewards',
      '/v1/sync-runs',
    ]) {
      expect(body.paths[path]).toBeDefined();
    }
  });
});
