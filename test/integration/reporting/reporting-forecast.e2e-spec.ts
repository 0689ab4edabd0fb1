import request from 'supertest';

import { uniqueName } from '@pp/testing';

import { ReportingHarness, startReporting } from './reporting-app';
import { insert, rewardChange, SeededRow, seedTwoPartnerships, syncedRow } from './reporting-fixture';

type Row = SeededRow;

const synced = syncedRow;

/** A reward's reward_status history: `[time, status]` pairs in order, the first from null. */
function statuses(tenant: string, reward: Row, changes: Array<[string, string]>) {
  return changes.map(([time, status], index) =>
    rewardChange(tenant, reward, 'reward_status', index === 0 ? null : changes[index - 1][1], status, time),
  );
}

/**
 * A forecast made at the end of 31 March 2026, worked out by hand.
 *
 * Program A (USD) has paid out on the 10th three times and on the 13th once before then (payout day 10; a fifth
 * payout, on 10 April, is after the forecast). Its decided rewards before then: D1, D2, D3 approved (lags 10, 19 and
 * 12 whole days) and paid, D4 declined, A1 approved after 15 days and still unpaid: approval rate 4/5, median lag 12.
 * D5, pending then, is approved on 5 April (after the forecast). Open on 31 March:
 * - A1 approved 1000 and a clawback of −300: paid on 10 April;
 * - P1 pending 500 since 25 March: approved 6 April, paid 10 April (×0.8 = 400);
 * - D5 pending 400 since 1 March: its lag is past, approved at once, paid 10 April (320);
 * - P2 on hold 250 since 30 March: approved 11 April, paid 10 May (200);
 * - S2, a drip occurrence ready on 1 April, 100: approved 13 April, paid 10 May (80);
 * - S1, ready on 15 May, 1000: approved 27 May, paid 10 June, after the three months (800).
 * April: 1000 − 300 + 400 + 320 = 1420; May: 280; later: 800.
 *
 * Program B (EUR) has no payout (payout day 13 assumed) and no decided reward (approval rate 1 and lag 45 assumed):
 * B2 pending 200 since 1 January is approved at once and paid 13 April, with a clawback of −500: April is −300,
 * pays nothing and carries it; B1 pending 700 since 10 March is approved 24 April, paid 13 May: May 700 − 300 = 400.
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
    readyAt: string | null = null,
  ) =>
    synced(tenant, key, created, {
      partnership_id: partnership.id,
      partnership_key: partnership.external_key,
      amount,
      currency,
      reward_status: status,
      recurrence: 'one_time',
      ready_at: readyAt,
    });
  const R = {
    D1: reward('rwrd_d1', PA, '2026-01-01T09:00:00Z', 100, 'USD', 'paid'),
    D2: reward('rwrd_d2', PA, '2026-01-05T09:00:00Z', 100, 'USD', 'paid'),
    D3: reward('rwrd_d3', PA, '2026-02-01T00:00:00Z', 100, 'USD', 'paid'),
    D4: reward('rwrd_d4', PA, '2026-02-01T00:00:00Z', 100, 'USD', 'declined'),
    D5: reward('rwrd_d5', PA, '2026-03-01T09:00:00Z', 400, 'USD', 'approved'),
    A1: reward('rwrd_a1', PA, '2026-03-05T09:00:00Z', 1000, 'USD', 'approved'),
    CL: reward('rwrd_cl', PA, '2026-03-25T09:00:00Z', -300, 'USD', 'approved'),
    P1: reward('rwrd_p1', PA, '2026-03-25T09:00:00Z', 500, 'USD', 'pending'),
    P2: reward('rwrd_p2', PA, '2026-03-30T09:00:00Z', 250, 'USD', 'hold'),
    S1: reward('rwrd_s1', PA, '2026-03-15T09:00:00Z', 1000, 'USD', 'scheduled', '2026-05-15T09:00:00Z'),
    S2: reward('rwrd_s2', PA, '2026-03-15T09:00:00Z', 100, 'USD', 'scheduled', '2026-04-01T09:00:00Z'),
    B1: reward('rwrd_b1', PB, '2026-03-10T09:00:00Z', 700, 'EUR', 'pending'),
    B2: reward('rwrd_b2', PB, '2026-01-01T09:00:00Z', 200, 'EUR', 'pending'),
    BC: reward('rwrd_bc', PB, '2026-03-20T09:00:00Z', -500, 'EUR', 'approved'),
  };
  await insert(db, 'reward', Object.values(R));
  await insert(db, 'status_history', [
    ...statuses(tenant, R.D1, [
      ['2026-01-01T09:00:00Z', 'pending'],
      ['2026-01-11T10:00:00Z', 'approved'],
      ['2026-02-10T10:00:00Z', 'paid'],
    ]),
    ...statuses(tenant, R.D2, [
      ['2026-01-05T09:00:00Z', 'pending'],
      ['2026-01-25T08:00:00Z', 'approved'],
      ['2026-02-10T10:00:00Z', 'paid'],
    ]),
    ...statuses(tenant, R.D3, [
      ['2026-02-01T00:00:00Z', 'pending'],
      ['2026-02-13T00:00:00Z', 'approved'],
      ['2026-03-10T10:00:00Z', 'paid'],
    ]),
    ...statuses(tenant, R.D4, [
      ['2026-02-01T00:00:00Z', 'pending'],
      ['2026-02-20T00:00:00Z', 'declined'],
    ]),
    ...statuses(tenant, R.D5, [
      ['2026-03-01T09:00:00Z', 'pending'],
      ['2026-04-05T10:00:00Z', 'approved'],
    ]),
    ...statuses(tenant, R.A1, [
      ['2026-03-05T09:00:00Z', 'pending'],
      ['2026-03-20T10:00:00Z', 'approved'],
    ]),
    ...statuses(tenant, R.CL, [['2026-03-25T09:00:00Z', 'approved']]),
    ...statuses(tenant, R.P1, [['2026-03-25T09:00:00Z', 'pending']]),
    ...statuses(tenant, R.P2, [['2026-03-30T09:00:00Z', 'hold']]),
    ...statuses(tenant, R.S1, [['2026-03-15T09:00:00Z', 'scheduled']]),
    ...statuses(tenant, R.S2, [['2026-03-15T09:00:00Z', 'scheduled']]),
    ...statuses(tenant, R.B1, [['2026-03-10T09:00:00Z', 'pending']]),
    ...statuses(tenant, R.B2, [['2026-01-01T09:00:00Z', 'pending']]),
    ...statuses(tenant, R.BC, [['2026-03-20T09:00:00Z', 'approved']]),
  ]);
  const payout = (key: string, sentAt: string) =>
    synced(tenant, key, sentAt, {
      partnership_id: PA.id,
      partnership_key: PA.external_key,
      amount: 100,
      currency: 'USD',
      status: 'successful',
      sent_at: sentAt,
    });
  await insert(db, 'payout', [
    payout('pay_1', '2025-12-13T10:00:00Z'),
    payout('pay_2', '2026-01-10T10:00:00Z'),
    payout('pay_3', '2026-02-10T10:00:00Z'),
    payout('pay_4', '2026-03-10T10:00:00Z'),
    payout('pay_5', '2026-04-10T10:00:00Z'),
  ]);
  return { PA, PB };
}

const months = (april: number, may: number) => [
  { month: '2026-03', expected: 0 },
  { month: '2026-04', expected: april },
  { month: '2026-05', expected: may },
];

describe('GET /v1/reports/forecast (hand-planted rewards, history and payouts, worked out by hand)', () => {
  let harness: ReportingHarness;
  let programs: Awaited<ReturnType<typeof seed>>;
  const orgA = uniqueName('org_forecast_a');
  const orgB = uniqueName('org_forecast_b');

  const get = (query: Record<string, string> = {}, org = orgA) =>
    request(harness.app.getHttpServer())
      .get('/v1/reports/forecast')
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
    await insert(harness.admin, 'status_history', statuses(orgB, RX, [['2026-03-02T00:00:00Z', 'approved']]));
  });

  afterAll(async () => {
    await harness?.close();
  });

  const programA = () => ({ id: programs.PA.id, externalKey: 'part_a', name: 'Shopwise' });
  const programB = () => ({ id: programs.PB.id, externalKey: 'part_b', name: null });

  it('the forecast made at the end of 31 March: every figure and input', async () => {
    const { body } = await get({ asOf: '2026-03-31' }).expect(200);
    expect(body.madeAt).toBe('2026-04-01T00:00:00.000Z');
    expect(body.method).toMatch(/approval rate/);
    expect(body.programs).toEqual([
      {
        program: programA(),
        currency: 'USD',
        inputs: {
          approvalRate: 0.8,
          decidedRewards: 5,
          approvalRateAssumed: false,
          approvalLagDays: 12,
          observedApprovals: 4,
          approvalLagAssumed: false,
          payoutDay: 10,
          payoutsObserved: 4,
          payoutDayAssumed: false,
          openRewards: {
            approved: { count: 2, amount: 700 },
            pending: { count: 3, amount: 1150 },
            scheduled: { count: 2, amount: 1100 },
          },
        },
        months: months(1420, 280),
        later: 800,
      },
      {
        program: programB(),
        currency: 'EUR',
        inputs: {
          approvalRate: 1,
          decidedRewards: 0,
          approvalRateAssumed: true,
          approvalLagDays: 45,
          observedApprovals: 0,
          approvalLagAssumed: true,
          payoutDay: 13,
          payoutsObserved: 0,
          payoutDayAssumed: true,
          openRewards: {
            approved: { count: 1, amount: -500 },
            pending: { count: 2, amount: 900 },
            scheduled: { count: 0, amount: 0 },
          },
        },
        months: months(0, 400),
        later: 0,
      },
    ]);
    expect(body.totals).toEqual([
      { currency: 'EUR', months: months(0, 400), later: 0 },
      { currency: 'USD', months: months(1420, 280), later: 800 },
    ]);
  });

  it('programId keeps one program', async () => {
    const { body } = await get({ asOf: '2026-03-31', programId: programs.PB.id }).expect(200);
    expect(body.programs.map((program: { program: { id: string } }) => program.program.id)).toEqual([programs.PB.id]);
    expect(body.totals).toEqual([{ currency: 'EUR', months: months(0, 400), later: 0 }]);
  });

  it('today: the current open rewards and what history has shown since (D5 approved after 35 days)', async () => {
    const { body } = await get().expect(200);
    expect(Math.abs(Date.parse(body.madeAt) - Date.now())).toBeLessThan(60_000);
    expect(body.programs[0].months[0].month).toBe(new Date().toISOString().slice(0, 7));
    expect(body.programs[0].inputs).toMatchObject({
      decidedRewards: 6,
      observedApprovals: 5,
      // Lags 10, 12, 15, 19 and 35 days.
      approvalLagDays: 15,
      payoutsObserved: 5,
      openRewards: {
        approved: { count: 3, amount: 1100 },
        pending: { count: 2, amount: 750 },
        scheduled: { count: 2, amount: 1100 },
      },
    });
    expect(body.programs[0].inputs.approvalRate).toBeCloseTo(5 / 6, 10);
  });

  it("another org's rewards never show", async () => {
    const { body } = await get({ asOf: '2026-03-31' }, orgB).expect(200);
    expect(body.totals).toEqual([
      {
        currency: 'USD',
        months: [
          { month: '2026-03', expected: 0 },
          { month: '2026-04', expected: 999 },
          { month: '2026-05', expected: 0 },
        ],
        later: 0,
      },
    ]);
  });

  it.each(['tomorrow', '2026-02-30', '99999-01-01'])('answers 400 for asOf=%s', async (asOf) => {
    const response = await get({ asOf }).expect(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
