import { knex, Knex } from '@mikro-orm/knex';
import request from 'supertest';

import { PARTNERSTACK_STREAMS } from '@pp/contracts';
import { stableId } from '@pp/domain';
import { PartnerStackRecord } from '@pp/partnerstack-client';

import type { GroundTruth, ProgramEarnings } from '../../../apps/partnerstack-sandbox/src/agencies/ground-truth';
import { RunningSandbox, startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';
import type { MappedMessage } from '../../../apps/normalizer/src/mapping/mapped-record';
import { mapRawRecord } from '../../../apps/normalizer/src/mapping/raw-record.mapper';
import { DomainBatchWriter } from '../../../apps/normalizer/src/writing/domain-batch-writer';
import { SandboxAdmin } from '../sync/sandbox-admin';
import { walkRecords } from '../sync/sandbox-walk';
import { ReportingHarness, startReporting } from './reporting-app';

type Money = { count: number; amount: number };
type Reward = PartnerStackRecord & { amount: number; currency: string; reward_status: string; partnership_key: string };
type Payout = PartnerStackRecord & { amount: number; currency: string; partnership_key: string };

const TOKEN = 'sandbox_reporting_earnings';
const TENANT = 'org_reporting_earnings';
/** Offers change at most every 20 days (OFFER_CHANGES.gapDays): a sync every 10 days sees every version. */
const SYNC_EVERY_DAYS = 10;
const SYNCS = 8;

const FIGURES = ['earned', 'scheduled', 'pending', 'approved', 'paid', 'clawedBack', 'payouts'] as const;

/**
 * The sandbox's agency synced every ten days (its records walked and written as the normalizer maps them), then read
 * through the reporting API. Every expected figure comes from the sandbox's ground truth or the records walked.
 */
describe('reporting: earnings and offer history against the sandbox (issue 14)', () => {
  let sandbox: RunningSandbox;
  let admin: SandboxAdmin;
  let harness: ReportingHarness;
  let db: Knex;
  const writer = new DomainBatchWriter();
  let truth: GroundTruth;
  let walked: Record<string, PartnerStackRecord[]>;

  async function syncOnce(): Promise<void> {
    const state = (await admin.groundTruth(TOKEN)) as unknown as GroundTruth;
    const records: Record<string, PartnerStackRecord[]> = {};
    const messages: MappedMessage[] = [];
    for (const stream of PARTNERSTACK_STREAMS) {
      records[stream] = (await walkRecords(sandbox.baseUrl, TOKEN, stream)) ?? [];
      for (const record of records[stream])
        messages.push(
          mapRawRecord({ tenantId: TENANT, stream, externalKey: record.key, fetchedAt: state.agency.nowIso, record }),
        );
    }
    for (let start = 0; start < messages.length; start += 500)
      await db.transaction((trx) => writer.apply(trx, messages.slice(start, start + 500)));
    await db.raw('select domain.refresh_tenant_aggregates(?)', [TENANT]);
    truth = state;
    walked = records;
  }

  const get = (path: string, query: Record<string, string> = {}) =>
    request(harness.app.getHttpServer())
      .get(path)
      .query(query)
      .set('Authorization', `Bearer ${harness.tokenFor(TENANT)}`);

  beforeAll(async () => {
    sandbox = await startSandbox();
    admin = new SandboxAdmin(sandbox.adminUrl);
    await admin.configure(TOKEN, { records: 4000, dealsVisible: false, leadsVisible: false });
    harness = await startReporting();
    const url = new URL(harness.readerUrl);
    const server = new URL(process.env.TEST_PG_SERVER_URL!);
    url.username = server.username;
    url.password = server.password;
    db = knex({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 2 } });
    await syncOnce();
    for (let sync = 1; sync < SYNCS; sync++) {
      await admin.advance(TOKEN, SYNC_EVERY_DAYS);
      await syncOnce();
    }
  }, 240_000);

  afterAll(async () => {
    await db?.destroy();
    await harness?.close();
    await sandbox?.close();
  });

  it('gives each program’s money per currency as the sandbox holds it, negative balances blocking withdrawals', async () => {
    const { body } = await get('/v1/reports/earnings').expect(200);
    const actual = Object.fromEntries(
      (body.programs as Array<Record<string, unknown> & { program: { externalKey: string }; currency: string }>).map(
        (entry) => [
          `${entry.program.externalKey}/${entry.currency}`,
          {
            ...Object.fromEntries(FIGURES.map((name) => [name, entry[name]])),
            balance: entry.balance,
            withdrawalBlocked: entry.withdrawalBlocked,
          },
        ],
      ),
    );
    const expected: Record<string, Record<string, unknown>> = {};
    for (const [key, program] of Object.entries(truth.perProgram))
      for (const [currency, earnings] of Object.entries(program.earnings))
        expected[`${key}/${currency}`] = {
          ...Object.fromEntries(FIGURES.map((name) => [name, earnings[name]])),
          balance: earnings.balance,
          withdrawalBlocked: earnings.withdrawalBlocked,
        };
    expect(actual).toEqual(expected);
    const all = Object.values(truth.perProgram).flatMap((program) => Object.values(program.earnings));
    expect(all.some((earnings) => earnings.withdrawalBlocked)).toBe(true);
    expect(all.some((earnings) => earnings.clawedBack.count > 0 && earnings.paid.count > 0)).toBe(true);
  });

  it('totals every figure across programs per currency', async () => {
    const { body } = await get('/v1/reports/earnings').expect(200);
    const expected = new Map<string, Record<string, unknown>>();
    for (const program of Object.values(truth.perProgram))
      for (const [currency, earnings] of Object.entries(program.earnings) as [string, ProgramEarnings][]) {
        const total = (expected.get(currency) ?? {
          currency,
          ...Object.fromEntries(FIGURES.map((name) => [name, { count: 0, amount: 0 }])),
          balance: 0,
          programsWithdrawalBlocked: 0,
        }) as Record<string, unknown> & { balance: number; programsWithdrawalBlocked: number };
        for (const name of FIGURES) {
          const money = total[name] as Money;
          money.count += earnings[name].count;
          money.amount += earnings[name].amount;
        }
        total.balance += earnings.balance;
        if (earnings.withdrawalBlocked) total.programsWithdrawalBlocked++;
        expected.set(currency, total);
      }
    expect(body.totals).toEqual(
      [...expected.values()].sort((a, b) => String(a.currency).localeCompare(String(b.currency))),
    );
  });

  it('reconciles paid rewards with the payouts that carry them', async () => {
    const { body } = await get('/v1/reports/earnings').expect(200);
    const sums = new Map<string, { paid: Money; payouts: Money }>();
    const entry = (key: string) =>
      sums.get(key) ?? sums.set(key, { paid: { count: 0, amount: 0 }, payouts: { count: 0, amount: 0 } }).get(key)!;
    for (const reward of walked.rewards as Reward[])
      if (reward.reward_status === 'paid') {
        const money = entry(`${reward.partnership_key}/${reward.currency}`).paid;
        money.count++;
        money.amount += reward.amount;
      }
    for (const payout of walked.payouts as Payout[]) {
      const money = entry(`${payout.partnership_key}/${payout.currency}`).payouts;
      money.count++;
      money.amount += payout.amount;
    }
    const actual = Object.fromEntries(
      (
        body.programs as Array<{
          program: { externalKey: string };
          currency: string;
          reconciliation: Record<string, unknown>;
        }>
      ).map((program) => [`${program.program.externalKey}/${program.currency}`, program.reconciliation]),
    );
    const expected = Object.fromEntries(
      [...sums.entries()].map(([key, { paid, payouts }]) => [
        key,
        {
          paidRewards: paid,
          payouts,
          difference: payouts.amount - paid.amount,
          unmatchedRewards: [],
          unmatchedPayouts: [],
        },
      ]),
    );
    for (const key of Object.keys(actual))
      expected[key] ??= {
        paidRewards: { count: 0, amount: 0 },
        payouts: { count: 0, amount: 0 },
        difference: 0,
        unmatchedRewards: [],
        unmatchedPayouts: [],
      };
    expect(actual).toEqual(expected);
    expect(Object.values(actual).some((reconciliation) => (reconciliation.payouts as Money).count > 0)).toBe(true);
  });

  it('lists a reward PartnerStack paid under a payout we do not hold as unmatched', async () => {
    const reward = (walked.rewards as Reward[]).find((candidate) => candidate.reward_status === 'paid')!;
    const id = stableId(TENANT, 'reward', reward.key);
    const { rows } = await db.raw<{ rows: { payout_id: string; payout_ref: string }[] }>(
      'select payout_id, payout_ref from domain.reward where id = ?',
      [id],
    );
    await db.raw(`update domain.reward set payout_id = null, payout_ref = 'pay_unknown' where id = ?`, [id]);
    try {
      const { body } = await get('/v1/reports/earnings').expect(200);
      const program = (
        body.programs as Array<{
          program: { externalKey: string };
          currency: string;
          reconciliation: {
            unmatchedRewards: unknown[];
            unmatchedPayouts: Array<{ id: string; amount: number; rewardsAmount: number }>;
          };
        }>
      ).find(
        (candidate) =>
          candidate.program.externalKey === reward.partnership_key && candidate.currency === reward.currency,
      )!;
      expect(program.reconciliation.unmatchedRewards).toEqual([
        { id, externalKey: reward.key, amount: reward.amount, payoutRef: 'pay_unknown' },
      ]);
      expect(program.reconciliation.unmatchedPayouts).toEqual([
        expect.objectContaining({ id: rows[0].payout_id, rewardsAmount: expect.any(Number) }),
      ]);
      const [payout] = program.reconciliation.unmatchedPayouts;
      expect(payout.amount - payout.rewardsAmount).toBe(reward.amount);
    } finally {
      await db.raw('update domain.reward set payout_id = ?, payout_ref = ? where id = ?', [
        rows[0].payout_id,
        rows[0].payout_ref,
        id,
      ]);
    }
  });

  it('puts a payout that names no program under the program of its rewards', async () => {
    const before = (await get('/v1/reports/earnings').expect(200)).body;
    const { rows } = await db.raw<{ rows: { id: string; partnership_id: string; partnership_key: string }[] }>(
      `select id, partnership_id, partnership_key from domain.payout where tenant_id = ? and partnership_id is not null
        order by external_key limit 3`,
      [TENANT],
    );
    expect(rows).toHaveLength(3);
    await db.raw(`update domain.payout set partnership_id = null, partnership_key = null where id = any(?)`, [
      rows.map((row) => row.id),
    ]);
    try {
      expect((await get('/v1/reports/earnings').expect(200)).body).toEqual(before);
    } finally {
      for (const row of rows)
        await db.raw('update domain.payout set partnership_id = ?, partnership_key = ? where id = ?', [
          row.partnership_id,
          row.partnership_key,
          row.id,
        ]);
    }
  });

  it('narrows to one program, and answers 400 for a program id that is no id', async () => {
    const [key] = Object.keys(truth.perProgram);
    const { body } = await get('/v1/reports/earnings', { programId: stableId(TENANT, 'partnership', key) }).expect(200);
    expect(
      new Set((body.programs as Array<{ program: { externalKey: string } }>).map((entry) => entry.program.externalKey)),
    ).toEqual(new Set([key]));
    await get('/v1/reports/earnings', { programId: 'not-an-id' }).expect(400);
  });

  it('gives each program’s offer history: every version, when it came into force and when it was replaced', async () => {
    let replaced = 0;
    for (const [key, program] of Object.entries(truth.perProgram)) {
      const { body } = await get(`/v1/programs/${stableId(TENANT, 'partnership', key)}/offers`).expect(200);
      const expected = [...program.offers]
        .sort((a, b) => a.validFrom - b.validFrom || a.key.localeCompare(b.key))
        .map((offer) => ({
          offerKey: offer.key,
          sourceType: offer.type,
          rate: offer.rate,
          validFrom: new Date(offer.validFrom).toISOString(),
          validFromBasis: 'offer_created_at',
          validTo: offer.validTo === null ? null : new Date(offer.validTo).toISOString(),
          inForce: offer.validTo === null,
        }));
      replaced += expected.filter((offer) => !offer.inForce).length;
      expect(
        (body.offers as Array<Record<string, unknown> & { offerKey: string; validFrom: string }>)
          .sort((a, b) => a.validFrom.localeCompare(b.validFrom) || a.offerKey.localeCompare(b.offerKey))
          .map(({ offerKey, sourceType, rate, validFrom, validFromBasis, validTo, inForce }) => ({
            offerKey,
            sourceType,
            rate,
            validFrom,
            validFromBasis,
            validTo,
            inForce,
          })),
      ).toEqual(expected);
    }
    expect(replaced).toBeGreaterThan(0);
    await get(
      `/v1/programs/${stableId('org_someone_else', 'partnership', Object.keys(truth.perProgram)[0])}/offers`,
    ).expect(404);
  });

  it('shows each reward’s kind, and lists the clawbacks alone', async () => {
    const clawbacks = (walked.rewards as Reward[]).filter((reward) => reward.amount < 0);
    const { body } = await get('/v1/rewards', { kind: 'clawback', limit: '100' }).expect(200);
    expect(clawbacks.length).toBeGreaterThan(0);
    const keys = new Set(clawbacks.map((reward) => reward.key));
    expect(body.data.length).toBe(Math.min(100, clawbacks.length));
    for (const reward of body.data as Array<{ externalKey: string; kind: string; reversesRewardKey: string | null }>) {
      expect(keys.has(reward.externalKey)).toBe(true);
      expect(reward.kind).toBe('clawback');
      expect(reward.reversesRewardKey).toMatch(/^rwrd_/);
    }
    await get('/v1/rewards', { kind: 'refund' }).expect(400);
  });
});
