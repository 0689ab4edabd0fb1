import { knex, Knex } from '@mikro-orm/knex';

import { PARTNERSTACK_STREAMS, PartnerStackStream } from '@pp/contracts';
import { stableId } from '@pp/domain';
import { PartnerStackRecord } from '@pp/partnerstack-client';
import { createTestDatabase } from '@pp/testing';

import type { GroundTruth } from '../../../apps/partnerstack-sandbox/src/agencies/ground-truth';
import { RunningSandbox, startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';
import { mapRawRecord } from '../../../apps/normalizer/src/mapping/raw-record.mapper';
import type { MappedMessage } from '../../../apps/normalizer/src/mapping/mapped-record';
import { DomainBatchWriter } from '../../../apps/normalizer/src/writing/domain-batch-writer';
import { SandboxAdmin } from '../sync/sandbox-admin';
import { walkRecords } from '../sync/sandbox-walk';

type Reward = PartnerStackRecord & {
  amount: number;
  reward_status: string;
  drip: { occurrence: number } | null;
  currency: string;
  description: string | null;
  partnership_key: string;
  source: { type: string; key: string | null };
};

const TOKEN = 'sandbox_normalizer_earnings';
const TENANT = 'org_normalizer_earnings';
/** Offers change at most every 20 days (OFFER_CHANGES.gapDays): a sync every 10 days sees every version. */
const SYNC_EVERY_DAYS = 10;
const SYNCS = 10;
const DAY_MS = 86_400_000;

const rewardId = (key: string) => stableId(TENANT, 'reward', key);
const partnershipId = (key: string) => stableId(TENANT, 'partnership', key);

/**
 * The sandbox's agency, synced every ten days for three months by walking every stream and writing what the
 * normalizer maps; each expected figure comes from the sandbox's ground truth or from the records walked, never from
 * the normalizer's own rules.
 */
describe('normalizer: earnings as PartnerStack pays them (issue 14)', () => {
  let sandbox: RunningSandbox;
  let admin: SandboxAdmin;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Knex;
  const writer = new DomainBatchWriter();
  let truth: GroundTruth;
  let rewards: Reward[];

  async function write(messages: MappedMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += 500)
      await db.transaction((trx) => writer.apply(trx, messages.slice(start, start + 500)));
  }

  async function syncOnce(): Promise<void> {
    const state = (await admin.groundTruth(TOKEN)) as unknown as GroundTruth;
    const messages: MappedMessage[] = [];
    let walkedRewards: Reward[] = [];
    for (const stream of PARTNERSTACK_STREAMS) {
      const records = await walkRecords(sandbox.baseUrl, TOKEN, stream);
      if (stream === 'rewards') walkedRewards = (records ?? []) as Reward[];
      for (const record of records ?? [])
        messages.push(
          mapRawRecord({
            tenantId: TENANT,
            stream: stream as PartnerStackStream,
            externalKey: record.key,
            fetchedAt: state.agency.nowIso,
            record,
          }),
        );
    }
    await write(messages);
    await db.raw('select domain.refresh_tenant_aggregates(?)', [TENANT]);
    truth = state;
    rewards = walkedRewards;
  }

  beforeAll(async () => {
    sandbox = await startSandbox();
    admin = new SandboxAdmin(sandbox.adminUrl);
    await admin.configure(TOKEN, { records: 4000, dealsVisible: false, leadsVisible: false });
    database = await createTestDatabase('pp_norm_earnings');
    db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
    await syncOnce();
    for (let sync = 1; sync < SYNCS; sync++) {
      await admin.advance(TOKEN, SYNC_EVERY_DAYS);
      await syncOnce();
    }
  }, 240_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
    await sandbox?.close();
  });

  it('keeps negative amounts: each program’s net rewards per currency are the sandbox’s', async () => {
    const { rows } = await db.raw<{ rows: { partnership_id: string; currency: string; amount: string }[] }>(
      `select partnership_id, currency, sum(amount) as amount from domain.reward
        where tenant_id = ? and removed_upstream_at is null group by 1, 2`,
      [TENANT],
    );
    const actual = Object.fromEntries(rows.map((row) => [`${row.partnership_id}/${row.currency}`, Number(row.amount)]));
    const expected: Record<string, number> = {};
    for (const [key, program] of Object.entries(truth.perProgram))
      for (const [currency, amount] of Object.entries(program.rewards.amountByCurrency))
        expected[`${partnershipId(key)}/${currency}`] = amount;
    expect(actual).toEqual(expected);
    expect(Object.values(actual).some((amount) => amount < 0) || truth.streams.rewards.clawbacks > 0).toBe(true);
  });

  it('derives each reward’s kind: every clawback and every drip occurrence the sandbox counts', async () => {
    const { rows } = await db.raw<{ rows: { kind: string; count: string }[] }>(
      `select kind, count(*) from domain.reward where tenant_id = ? and removed_upstream_at is null group by 1`,
      [TENANT],
    );
    const byKind = Object.fromEntries(rows.map((row) => [row.kind, Number(row.count)]));
    expect(truth.streams.rewards.clawbacks).toBeGreaterThan(0);
    expect(truth.streams.rewards.drip).toBeGreaterThan(0);
    expect(byKind.clawback).toBe(truth.streams.rewards.clawbacks);
    expect(byKind.drip).toBe(truth.streams.rewards.drip);
    expect(Object.values(byKind).reduce((sum, count) => sum + count, 0)).toBe(truth.streams.rewards.count);
  });

  it('links every clawback to the reward its description names', async () => {
    const clawbacks = rewards.filter((reward) => reward.amount < 0);
    const expected = Object.fromEntries(
      clawbacks.map((reward) => [reward.key, rewardId(/^Clawback of (rwrd_\w+)/.exec(reward.description ?? '')![1])]),
    );
    const { rows } = await db.raw<{ rows: { external_key: string; reversed_reward_id: string | null }[] }>(
      `select external_key, reversed_reward_id from domain.reward where tenant_id = ? and amount < 0`,
      [TENANT],
    );
    expect(Object.fromEntries(rows.map((row) => [row.external_key, row.reversed_reward_id]))).toEqual(expected);
  });

  it('keeps each drip occurrence’s place in its series, its ready_at and its status', async () => {
    const series = Object.values(truth.perProgram).flatMap((program) => program.dripSeries);
    expect(series.length).toBeGreaterThan(0);
    const expected = series.flatMap((entry) =>
      entry.rewards.map((reward, index) => ({
        key: reward.key,
        occurrence: index + 1,
        occurrences: entry.occurrences,
        readyAt: new Date(reward.readyAt).toISOString(),
        status: reward.status,
      })),
    );
    const { rows } = await db.raw<{
      rows: { key: string; occurrence: number; occurrences: number; readyAt: Date; status: string }[];
    }>(
      `select external_key as key, drip_occurrence as occurrence, drip_occurrences as occurrences,
              ready_at as "readyAt", reward_status as status
         from domain.reward where tenant_id = ? and external_key = any(?)`,
      [TENANT, expected.map((reward) => reward.key)],
    );
    const sortByKey = <T extends { key: string }>(list: T[]) => [...list].sort((a, b) => a.key.localeCompare(b.key));
    expect(sortByKey(rows.map((row) => ({ ...row, readyAt: row.readyAt.toISOString() })))).toEqual(sortByKey(expected));
  });

  it('keeps every offer version with when it came into force and when it was replaced', async () => {
    const { rows } = await db.raw<{
      rows: { partnership_id: string; key: string; rate: string; valid_from: Date; valid_to: Date | null }[];
    }>(
      `select partnership_id, offer_key as key, rate, valid_from, valid_to from domain.commission_rule
        where tenant_id = ? order by valid_from, offer_key`,
      [TENANT],
    );
    let changed = 0;
    for (const [key, program] of Object.entries(truth.perProgram)) {
      const expected = [...program.offers]
        .sort((a, b) => a.validFrom - b.validFrom || a.key.localeCompare(b.key))
        .map((offer) => ({ key: offer.key, rate: offer.rate, validFrom: offer.validFrom, validTo: offer.validTo }));
      changed += expected.filter((offer) => offer.validTo !== null).length;
      const actual = rows
        .filter((row) => row.partnership_id === partnershipId(key))
        .map((row) => ({
          key: row.key,
          rate: Number(row.rate),
          validFrom: row.valid_from.getTime(),
          validTo: row.valid_to?.getTime() ?? null,
        }));
      expect({ program: key, offers: actual }).toEqual({ program: key, offers: expected });
    }
    expect(changed).toBeGreaterThan(0);
  });

  it('flags as below the offer exactly the rewards paid at a replaced rate after the change', async () => {
    const planted = Object.values(truth.perProgram).flatMap((program) => program.rewardsBelowOffer);
    expect(planted.length).toBeGreaterThan(0);
    const { rows } = await db.raw<{ rows: { key: string; rate: string; basis: string; actual: string }[] }>(
      `select r.external_key as key, m.rate, m.rate_basis as basis, m.actual_amount as actual
         from domain.report_missed_reward m join domain.reward r on r.id = m.reward_id
        where m.tenant_id = ? and m.reason = 'reward_below_rule'`,
      [TENANT],
    );
    // A declined reward is missed whole; a drip series is judged once, on its first occurrence not declined, by
    // the total of its occurrences.
    const walked = new Map(rewards.map((reward) => [reward.key, reward]));
    const byTransaction = new Map<string, typeof planted>();
    for (const reward of planted)
      byTransaction.set(reward.transactionKey, [...(byTransaction.get(reward.transactionKey) ?? []), reward]);
    const expected = [...byTransaction.values()].flatMap((series) => {
      const open = series
        .filter((reward) => walked.get(reward.key)!.reward_status !== 'declined')
        .sort((a, b) => (walked.get(a.key)!.drip?.occurrence ?? 0) - (walked.get(b.key)!.drip?.occurrence ?? 0));
      if (open.length === 0) return [];
      const total = series.reduce((sum, reward) => sum + reward.amount, 0);
      return [{ key: open[0].key, rate: open[0].offerRate, basis: 'in_force', amount: total }];
    });
    const byKey = (list: { key: string }[]) => [...list].sort((a, b) => a.key.localeCompare(b.key));
    expect(
      byKey(
        rows.map((row) => ({ key: row.key, rate: Number(row.rate), basis: row.basis, amount: Number(row.actual) })),
      ),
    ).toEqual(byKey(expected));
    // The clean side: rewards at a replaced rate on transactions before its replacement exist, and none is flagged.
    const oldRateRewards = Object.entries(truth.perProgram).flatMap(([key, program]) =>
      program.offers
        .filter((offer) => offer.type === 'revenue_share' && offer.validTo !== null)
        .flatMap((offer) =>
          rewards.filter(
            (reward) =>
              reward.partnership_key === key &&
              reward.amount > 0 &&
              reward.created_at! < offer.validTo! &&
              reward.created_at! >= offer.validFrom &&
              reward.description === `${offer.rate}% of every payment for 12 months`,
          ),
        ),
    );
    expect(oldRateRewards.length).toBeGreaterThan(0);
    const flagged = new Set(rows.map((row) => row.key));
    expect(oldRateRewards.filter((reward) => flagged.has(reward.key))).toEqual([]);
  });

  it('raises no missed reward for a clawback, the reward it reverses or the refunded transaction', async () => {
    const refunds = rewards.filter((reward) => reward.amount < 0 && reward.source?.type === 'transaction');
    expect(refunds.length).toBeGreaterThan(0);
    const ids = refunds.flatMap((reward) => [
      rewardId(reward.key),
      rewardId(/^Clawback of (rwrd_\w+)/.exec(reward.description ?? '')![1]),
    ]);
    const transactions = refunds.map((reward) => stableId(TENANT, 'billing_record', reward.source.key!));
    const { rows } = await db.raw<{ rows: { reason: string }[] }>(
      `select reason from domain.report_missed_reward
        where tenant_id = ? and (reward_id = any(?) or billing_record_id = any(?))`,
      [TENANT, ids, transactions],
    );
    expect(rows).toEqual([]);
  });

  it('judges a transaction older than every offer seen by the first one, and says so', async () => {
    const tenant = 'org_normalizer_first_offer';
    const seenAt = new Date(truth.agency.now).toISOString();
    const soldAt = truth.agency.now - 60 * DAY_MS;
    const map = (stream: PartnerStackStream, record: PartnerStackRecord) =>
      mapRawRecord({ tenantId: tenant, stream, externalKey: record.key, fetchedAt: seenAt, record });
    await write([
      map('partnerships', {
        key: 'part_first',
        created_at: soldAt - DAY_MS,
        updated_at: truth.agency.now - DAY_MS,
        offers: [{ type: 'revenue_share', base_rate: 20, currency: 'USD' }],
      }),
      map('transactions', {
        key: 'tran_first',
        created_at: soldAt,
        amount: 10_000,
        currency: 'USD',
        partnership_key: 'part_first',
      }),
      map('rewards', {
        key: 'rwrd_first',
        created_at: soldAt,
        amount: 1500,
        currency: 'USD',
        reward_status: 'approved',
        partnership_key: 'part_first',
        source: { type: 'transaction', key: 'tran_first' },
      }),
    ]);
    await db.raw('select domain.refresh_tenant_aggregates(?)', [tenant]);
    const { rows } = await db.raw(
      `select reason, rate, rate_basis, expected_amount, amount_at_stake from domain.report_missed_reward where tenant_id = ?`,
      [tenant],
    );
    expect(rows).toEqual([
      {
        reason: 'reward_below_rule',
        rate: '20',
        rate_basis: 'first_seen',
        expected_amount: '2000',
        amount_at_stake: '500',
      },
    ]);
  });

  it('judges by the offer in force, a drip series whole, and never a clawback or the reward it reverses', async () => {
    const tenant = 'org_normalizer_rule_edges';
    const T0 = truth.agency.now - 200 * DAY_MS;
    const T1 = truth.agency.now - 100 * DAY_MS;
    const at = (time: number) => new Date(time).toISOString();
    const map = (stream: PartnerStackStream, record: PartnerStackRecord, fetched: number) =>
      mapRawRecord({ tenantId: tenant, stream, externalKey: record.key, fetchedAt: at(fetched), record });
    const offer = (key: string, rate: number, created: number) => ({
      key,
      created_at: created,
      type: 'revenue_share',
      base_rate: rate,
      currency: 'USD',
    });
    const sale = (key: string, time: number) =>
      map('transactions', { key, created_at: time, amount: 10_000, currency: 'USD', partnership_key: 'part_e' }, time);
    const reward = (key: string, time: number, amount: number, extra: Record<string, unknown> = {}) =>
      map(
        'rewards',
        {
          key,
          created_at: time,
          amount,
          currency: 'USD',
          reward_status: 'approved',
          partnership_key: 'part_e',
          ...extra,
        },
        time,
      );
    const of = (transaction: string) => ({ source: { type: 'transaction', key: transaction } });
    const drip = (occurrence: number) => ({ drip: { occurrence, occurrences: 3, delay_days: 30, cycle_days: 30 } });
    // Two syncs: 20 % in force since T0, replaced by 30 % at T1.
    await write([
      map(
        'partnerships',
        { key: 'part_e', created_at: T0, updated_at: T0, offers: [offer('ofr_a', 20, T0)] },
        T0 + DAY_MS,
      ),
      map(
        'partnerships',
        { key: 'part_e', created_at: T0, updated_at: T1, offers: [offer('ofr_b', 30, T1)] },
        T1 + DAY_MS,
      ),
      sale('tran_before', T0 + DAY_MS),
      reward('rwrd_before', T0 + DAY_MS, 2000, of('tran_before')),
      sale('tran_after', T1 + DAY_MS),
      reward('rwrd_after', T1 + DAY_MS, 2000, of('tran_after')),
      sale('tran_drip', T1 + 2 * DAY_MS),
      reward('rwrd_drip1', T1 + 2 * DAY_MS, 1000, { ...of('tran_drip'), ...drip(1), reward_status: 'declined' }),
      reward('rwrd_drip2', T1 + 2 * DAY_MS, 1000, { ...of('tran_drip'), ...drip(2) }),
      reward('rwrd_drip3', T1 + 2 * DAY_MS, 1000, { ...of('tran_drip'), ...drip(3), reward_status: 'scheduled' }),
      sale('tran_reversed', T1 + 3 * DAY_MS),
      reward('rwrd_reversed', T1 + 3 * DAY_MS, 1000, { ...of('tran_reversed'), reward_status: 'paid' }),
      reward('rwrd_clawback', T1 + 4 * DAY_MS, -1000, { description: 'Clawback of rwrd_reversed: incorrect reward' }),
      reward('rwrd_clawback_declined', T1 + 5 * DAY_MS, -500, { reward_status: 'declined' }),
    ]);
    await db.raw('select domain.refresh_tenant_aggregates(?)', [tenant]);
    const { rows } = await db.raw(
      `select r.external_key as reward, m.reason, m.rate, m.rate_basis, m.expected_amount, m.actual_amount,
              m.amount_at_stake
         from domain.report_missed_reward m left join domain.reward r on r.id = m.reward_id
        where m.tenant_id = ? order by r.external_key, m.reason`,
      [tenant],
    );
    expect(rows).toEqual([
      // At the old rate after the change: below the 30 % offer in force.
      {
        reward: 'rwrd_after',
        reason: 'reward_below_rule',
        rate: '30',
        rate_basis: 'in_force',
        expected_amount: '3000',
        actual_amount: '2000',
        amount_at_stake: '1000',
      },
      // The declined occurrence is missed on its own; the series (3 × 1000 = 30 %) is paid in full.
      {
        reward: 'rwrd_drip1',
        reason: 'reward_declined',
        rate: '30',
        rate_basis: 'in_force',
        // What the whole transaction should earn, as on any declined reward; at stake is the occurrence itself.
        expected_amount: '3000',
        actual_amount: '1000',
        amount_at_stake: '1000',
      },
    ]);
    const { rows: links } = await db.raw(
      `select external_key, kind, reversed_reward_id = (select id from domain.reward where tenant_id = ? and external_key = 'rwrd_reversed') as linked
         from domain.reward where tenant_id = ? and amount < 0 order by external_key`,
      [tenant, tenant],
    );
    expect(links).toEqual([
      { external_key: 'rwrd_clawback', kind: 'clawback', linked: true },
      { external_key: 'rwrd_clawback_declined', kind: 'clawback', linked: null },
    ]);
  });
});
