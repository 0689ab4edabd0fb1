import request from 'supertest';

import { uniqueName } from '@pp/testing';

import { ReportingHarness, startReporting } from './reporting-app';
import { insert, rewardChange, SeededRow, seedTwoPartnerships, syncedRow } from './reporting-fixture';

type Row = SeededRow;

const synced = syncedRow;

/**
 * Org A's rewards, each with the status history a sync every few days would have recorded, around 31 March 2026:
 * R1 pending → approved (20 Mar) → paid (10 Apr); R2 pending → declined (2 Apr); R3 pending (program B, EUR);
 * R4 created after 31 March; R5 created 10 March but first observed on 15 April (its status then unknown);
 * R6 removed upstream on 28 March; R7 pending → approved at noon on 31 March, removed upstream on 20 April.
 */
async function seed(db: ReportingHarness['admin'], tenant: string) {
  const { PA, PB } = await seedTwoPartnerships(db, tenant);
  const reward = (
    key: string,
    partnership: Row,
    created: string,
    amount: number,
    currency: string,
    status: string,
    payment: string | null,
    removed: string | null = null,
  ) =>
    synced(tenant, key, created, {
      partnership_id: partnership.id,
      partnership_key: partnership.external_key,
      amount,
      currency,
      reward_status: status,
      payment_status: payment,
      recurrence: 'one_time',
      removed_upstream_at: removed,
    });
  const R1 = reward('rwrd_1', PA, '2026-03-01T09:00:00Z', 1000, 'USD', 'paid', 'withdrawn');
  const R2 = reward('rwrd_2', PA, '2026-03-15T09:00:00Z', 500, 'USD', 'declined', null);
  const R3 = reward('rwrd_3', PB, '2026-03-25T09:00:00Z', 700, 'EUR', 'pending', null);
  const R4 = reward('rwrd_4', PA, '2026-04-05T09:00:00Z', 300, 'USD', 'pending', null);
  const R5 = reward('rwrd_5', PA, '2026-03-10T09:00:00Z', 200, 'USD', 'approved', 'available');
  const R6 = reward('rwrd_6', PA, '2026-03-05T09:00:00Z', 900, 'USD', 'pending', null, '2026-03-28T00:00:00Z');
  const R7 = reward('rwrd_7', PA, '2026-02-01T09:00:00Z', 400, 'USD', 'approved', 'available', '2026-04-20T00:00:00Z');
  await insert(db, 'reward', [R1, R2, R3, R4, R5, R6, R7]);
  const s = 'reward_status';
  const p = 'payment_status';
  await insert(db, 'status_history', [
    rewardChange(tenant, R1, s, null, 'pending', '2026-03-01T09:00:00Z'),
    rewardChange(tenant, R1, p, null, null, '2026-03-01T09:00:00Z'),
    rewardChange(tenant, R1, s, 'pending', 'approved', '2026-03-20T10:00:00Z'),
    rewardChange(tenant, R1, p, null, 'available', '2026-03-20T10:00:00Z'),
    rewardChange(tenant, R1, s, 'approved', 'paid', '2026-04-10T10:00:00Z'),
    rewardChange(tenant, R1, p, 'available', 'withdrawn', '2026-04-10T10:00:00Z'),
    rewardChange(tenant, R2, s, null, 'pending', '2026-03-15T09:00:00Z'),
    rewardChange(tenant, R2, p, null, null, '2026-03-15T09:00:00Z'),
    rewardChange(tenant, R2, s, 'pending', 'declined', '2026-04-02T10:00:00Z'),
    rewardChange(tenant, R3, s, null, 'pending', '2026-03-25T09:00:00Z'),
    rewardChange(tenant, R3, p, null, null, '2026-03-25T09:00:00Z'),
    rewardChange(tenant, R4, s, null, 'pending', '2026-04-05T09:00:00Z'),
    rewardChange(tenant, R4, p, null, null, '2026-04-05T09:00:00Z'),
    rewardChange(tenant, R5, s, null, 'approved', '2026-04-15T10:00:00Z'),
    rewardChange(tenant, R5, p, null, 'available', '2026-04-15T10:00:00Z'),
    rewardChange(tenant, R6, s, null, 'pending', '2026-03-05T09:00:00Z'),
    rewardChange(tenant, R6, p, null, null, '2026-03-05T09:00:00Z'),
    rewardChange(tenant, R7, s, null, 'pending', '2026-02-01T09:00:00Z'),
    rewardChange(tenant, R7, p, null, null, '2026-02-01T09:00:00Z'),
    rewardChange(tenant, R7, s, 'pending', 'approved', '2026-03-31T12:00:00Z'),
    rewardChange(tenant, R7, p, null, 'available', '2026-03-31T12:00:00Z'),
  ]);
  return { PA, PB };
}

const usd = (amount: number) => ({ amount, currency: 'USD' });
const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe('asOf: the rewards as they were on a date, rebuilt from status history (hand-planted, worked out by hand)', () => {
  let harness: ReportingHarness;
  let programs: Awaited<ReturnType<typeof seed>>;
  const orgA = uniqueName('org_as_of_a');
  const orgB = uniqueName('org_as_of_b');

  const get = (path: string, query: Record<string, string | boolean> = {}, org = orgA) =>
    request(harness.app.getHttpServer())
      .get(path)
      .query(query)
      .set('Authorization', `Bearer ${harness.tokenFor(org)}`);

  beforeAll(async () => {
    harness = await startReporting();
    programs = await seed(harness.admin, orgA);
    const PX = synced(orgB, 'part_x', '2025-02-01T00:00:00Z', { status: 'active' });
    await insert(harness.admin, 'partnership', [PX]);
    const RX = synced(orgB, 'rwrd_x', '2026-03-02T00:00:00Z', {
      partnership_id: PX.id,
      amount: 999,
      currency: 'USD',
      reward_status: 'approved',
      recurrence: 'one_time',
    });
    await insert(harness.admin, 'reward', [RX]);
    await insert(harness.admin, 'status_history', [
      rewardChange(orgB, RX, 'reward_status', null, 'pending', '2026-03-02T00:00:00Z'),
      rewardChange(orgB, RX, 'reward_status', 'pending', 'approved', '2026-03-30T00:00:00Z'),
    ]);
    for (const org of [orgA, orgB]) await harness.admin.query('select domain.refresh_tenant_aggregates($1)', [org]);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('summary: what was pending, approved and unknown at the end of 31 March (R4 not yet created, R6 removed)', async () => {
    const { body } = await get('/v1/summary', { asOf: '2026-03-31' }).expect(200);
    expect(body.rewards).toEqual({
      total: 5,
      totals: [eur(700), usd(2100)],
      byStatus: [
        { status: 'approved', count: 2, totals: [usd(1400)] },
        { status: 'pending', count: 2, totals: [eur(700), usd(500)] },
        { status: null, count: 1, totals: [usd(200)] },
      ],
      byPaymentStatus: [
        { status: 'available', count: 2, totals: [usd(1400)] },
        { status: null, count: 3, totals: [eur(700), usd(700)] },
      ],
      asOf: { before: '2026-04-01T00:00:00.000Z', withoutKnownStatus: { count: 1, totals: [usd(200)] } },
    });
  });

  it('an instant is the state just before it: R7 approved at noon is still pending at noon', async () => {
    const { body } = await get('/v1/summary', { asOf: '2026-03-31T12:00:00Z' }).expect(200);
    expect(body.rewards.byStatus).toEqual([
      { status: 'approved', count: 1, totals: [usd(1000)] },
      { status: 'pending', count: 3, totals: [eur(700), usd(900)] },
      { status: null, count: 1, totals: [usd(200)] },
    ]);
    expect(body.rewards.asOf.before).toBe('2026-03-31T12:00:00.000Z');
    // One second later, R7 has been approved.
    const later = await get('/v1/summary', { asOf: '2026-03-31T12:00:01Z' }).expect(200);
    expect(later.body.rewards.byStatus[0]).toEqual({ status: 'approved', count: 2, totals: [usd(1400)] });
  });

  it('includeRemoved adds R6, removed upstream before the date; program and created filters apply', async () => {
    const removed = await get('/v1/summary', { asOf: '2026-03-31', includeRemoved: true }).expect(200);
    expect(removed.body.rewards.byStatus[1]).toEqual({ status: 'pending', count: 3, totals: [eur(700), usd(1400)] });
    const programB = await get('/v1/summary', { asOf: '2026-03-31', programId: programs.PB.id }).expect(200);
    expect(programB.body.rewards.byStatus).toEqual([{ status: 'pending', count: 1, totals: [eur(700)] }]);
    const created = await get('/v1/summary', { asOf: '2026-03-31', from: '2026-03-01', to: '2026-03-20' }).expect(200);
    expect(created.body.rewards.byStatus).toEqual([
      { status: 'approved', count: 1, totals: [usd(1000)] },
      { status: 'pending', count: 1, totals: [usd(500)] },
      { status: null, count: 1, totals: [usd(200)] },
    ]);
  });

  it('a date after every change gives the current figures, and before any reward gives none', async () => {
    const now = (await get('/v1/summary').expect(200)).body.rewards;
    const future = (await get('/v1/summary', { asOf: '2030-01-01' }).expect(200)).body.rewards;
    expect(now.asOf).toBeUndefined();
    expect(future).toEqual({
      ...now,
      asOf: { before: '2030-01-02T00:00:00.000Z', withoutKnownStatus: { count: 0, totals: [] } },
    });
    expect(now.byStatus).toEqual([
      { status: 'approved', count: 1, totals: [usd(200)] },
      { status: 'declined', count: 1, totals: [usd(500)] },
      { status: 'paid', count: 1, totals: [usd(1000)] },
      { status: 'pending', count: 2, totals: [eur(700), usd(300)] },
    ]);
    const before = (await get('/v1/summary', { asOf: '2026-01-31' }).expect(200)).body.rewards;
    expect(before).toMatchObject({ total: 0, totals: [], byStatus: [], byPaymentStatus: [] });
  });

  it('the rewards report, by status, program and month, as of 31 March', async () => {
    const asOf = { before: '2026-04-01T00:00:00.000Z', withoutKnownStatus: { count: 1, totals: [usd(200)] } };
    const byStatus = await get('/v1/reports/rewards', { groupBy: 'status', asOf: '2026-03-31' }).expect(200);
    expect(byStatus.body).toEqual({
      groupBy: 'status',
      data: [
        { key: 'approved', label: 'approved', totals: [usd(1400)], rewards: 2 },
        { key: 'pending', label: 'pending', totals: [eur(700), usd(500)], rewards: 2 },
        { key: 'none', label: 'none', totals: [usd(200)], rewards: 1 },
      ],
      asOf,
    });
    const byProgram = await get('/v1/reports/rewards', { groupBy: 'program', asOf: '2026-03-31' }).expect(200);
    const points = [
      { key: programs.PA.id, label: 'Shopwise', totals: [usd(2100)], rewards: 4 },
      { key: programs.PB.id, label: null, totals: [eur(700)], rewards: 1 },
    ].sort((left, right) => left.key.localeCompare(right.key));
    expect(byProgram.body).toEqual({ groupBy: 'program', data: points, asOf });
    const byMonth = await get('/v1/reports/rewards', { groupBy: 'month', asOf: '2026-03-31' }).expect(200);
    expect(byMonth.body.data).toEqual([
      { key: '2026-02', label: '2026-02', totals: [usd(400)], rewards: 1 },
      { key: '2026-03', label: '2026-03', totals: [eur(700), usd(1700)], rewards: 4 },
    ]);
    const current = await get('/v1/reports/rewards', { groupBy: 'status' }).expect(200);
    expect(current.body.asOf).toBeUndefined();
  });

  it("another org's rewards never show", async () => {
    const { body } = await get('/v1/summary', { asOf: '2026-03-31' }, orgB).expect(200);
    expect(body.rewards.byStatus).toEqual([{ status: 'approved', count: 1, totals: [usd(999)] }]);
    const early = await get('/v1/reports/rewards', { groupBy: 'status', asOf: '2026-03-15' }, orgB).expect(200);
    expect(early.body.data).toEqual([{ key: 'pending', label: 'pending', totals: [usd(999)], rewards: 1 }]);
  });

  it.each(['yesterday', '2026-02-30', '2026-13-01', '99999-01-01', '2026-03-31T25:00:00Z'])(
    'answers 400 for asOf=%s',
    async (asOf) => {
      const summary = await get('/v1/summary', { asOf }).expect(400);
      expect(summary.headers['content-type']).toMatch(/application\/problem\+json/);
      await get('/v1/reports/rewards', { groupBy: 'status', asOf }).expect(400);
    },
  );

  /**
   * Org C's money in March 2026, in EUR, USD and GBP. PartnerStack's amount_usd gives EUR 1.1 US cents per cent on
   * 1 March and 1.2 on 10 March (T2 and T6 together); T3 on 4 March has none, so 4 March has no rate of its own (the
   * nearest is 1 March); GBP never has one. Rewards on 7 March take 10 March's rate (3 days away, against 6), the
   * payout on 5 March 1 March's (4 days, against 5).
   */
  describe('currency on the summary: one currency at the rates amount_usd implies (worked out by hand)', () => {
    const org = uniqueName('org_currency');

    const summary = (query: Record<string, string>) =>
      request(harness.app.getHttpServer())
        .get('/v1/summary')
        .query(query)
        .set('Authorization', `Bearer ${harness.tokenFor(org)}`);

    beforeAll(async () => {
      const tx = (key: string, day: string, amount: number, currency: string, usd: number | null, refunded = false) =>
        synced(org, key, `${day}T12:00:00Z`, { amount, currency, amount_usd: usd, refunded });
      await insert(harness.admin, 'billing_record', [
        tx('tran_1', '2026-03-01', 1000, 'EUR', 1100),
        tx('tran_2', '2026-03-10', 2000, 'EUR', 2400),
        tx('tran_3', '2026-03-04', 500, 'EUR', null),
        tx('tran_4', '2026-03-05', 3000, 'USD', 3000),
        tx('tran_5', '2026-03-05', 800, 'GBP', null),
        tx('tran_6', '2026-03-10', 400, 'EUR', 480, true),
      ]);
      const reward = (key: string, amount: number, currency: string) =>
        synced(org, key, '2026-03-07T12:00:00Z', {
          amount,
          currency,
          reward_status: 'pending',
          recurrence: 'one_time',
        });
      await insert(harness.admin, 'reward', [reward('rwrd_1', 100, 'EUR'), reward('rwrd_2', 50, 'USD')]);
      await insert(harness.admin, 'payout', [
        synced(org, 'pay_1', '2026-03-05T12:00:00Z', { amount: 300, currency: 'EUR', status: 'successful' }),
      ]);
      await harness.admin.query('select domain.refresh_tenant_aggregates($1)', [org]);
    });

    it('in USD: EUR at its day’s rate or the nearest day’s; GBP, with none, is listed apart', async () => {
      const { body } = await summary({ currency: 'USD' }).expect(200);
      expect(body.inCurrency).toEqual({
        currency: 'USD',
        // 1000 × 1.1 + 2000 × 1.2 + 500 × 1.1 + 3000
        revenue: usd(7050),
        refunds: usd(480),
        rewards: usd(170),
        payouts: usd(330),
        // Days 1, 4, 5, 7 and 10 March; 4, 5 and 7 at the nearest day's rate.
        rates: [{ currency: 'EUR', minRate: 1.1, maxRate: 1.2, days: 5, daysAtNearestRate: 3 }],
        withoutRate: [{ amount: 800, currency: 'GBP' }],
      });
      // The per-currency figures are unchanged.
      expect(body.revenue.totals).toEqual([eur(3500), { amount: 800, currency: 'GBP' }, usd(3000)]);
    });

    it('in EUR: USD through the EUR rate of its day (nearest)', async () => {
      const { body } = await summary({ currency: 'EUR' }).expect(200);
      expect(body.inCurrency).toMatchObject({
        currency: 'EUR',
        // 3500 + 3000 / 1.1
        revenue: eur(6227),
        refunds: eur(400),
        // 100 + 50 / 1.2
        rewards: eur(142),
        payouts: eur(300),
        withoutRate: [{ amount: 800, currency: 'GBP' }],
      });
      expect(body.inCurrency.rates).toHaveLength(1);
      expect(body.inCurrency.rates[0]).toMatchObject({ currency: 'USD', days: 2, daysAtNearestRate: 2 });
      expect(body.inCurrency.rates[0].minRate).toBeCloseTo(1 / 1.2, 12);
      expect(body.inCurrency.rates[0].maxRate).toBeCloseTo(1 / 1.1, 12);
    });

    it('the earnings report in USD: the rewards at their day’s rates, the payout at its day’s', async () => {
      const { body } = await request(harness.app.getHttpServer())
        .get('/v1/reports/earnings')
        .query({ currency: 'USD' })
        .set('Authorization', `Bearer ${harness.tokenFor(org)}`)
        .expect(200);
      expect(body.inCurrency).toEqual({
        currency: 'USD',
        // 100 EUR × 1.2 (7 March: 10 March's rate) + 50 USD, both pending.
        earned: usd(170),
        scheduled: usd(0),
        pending: usd(170),
        approved: usd(0),
        paid: usd(0),
        clawedBack: usd(0),
        // 300 EUR sent on 5 March (its creation: no sent_at), at 1 March's rate.
        payouts: usd(330),
        balance: usd(0),
        rates: [{ currency: 'EUR', minRate: 1.1, maxRate: 1.2, days: 2, daysAtNearestRate: 2 }],
        withoutRate: [],
      });
      expect(body.totals.map((total: { currency: string }) => total.currency)).toEqual(['EUR', 'USD']);
    });

    it('without currency there is no inCurrency; a bad code, or one with asOf, is a 400', async () => {
      expect((await summary({}).expect(200)).body.inCurrency).toBeUndefined();
      for (const currency of ['usd', 'DOLLAR', 'U$D']) await summary({ currency }).expect(400);
      await summary({ currency: 'USD', asOf: '2026-03-31' }).expect(400);
    });
  });
});
