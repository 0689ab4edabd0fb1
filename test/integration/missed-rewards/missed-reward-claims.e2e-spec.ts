import { randomUUID } from 'node:crypto';

import request from 'supertest';

import { uniqueName } from '@pp/testing';

import { ReportingHarness, startReporting } from '../reporting/reporting-app';
import { daysAgo, insert } from '../reporting/reporting-fixture';

/**
 * Claim packs and the lifecycle of a missed reward, where they are computed: rows of one tenant, refreshed with
 * `domain.refresh_tenant_aggregates` (which now also keeps `report_missed_reward_lifecycle`), read back through
 * `/v1/reports/missed-rewards/claims` and `/v1/summary`. Then PartnerStack "pays" some of them (a reward created, an
 * underpaid one corrected, a declined one approved), one is refunded, one ages past its deadline, and a second
 * refresh must turn exactly those into resolved, gone and expired. A case's records carry its name in their keys.
 * Thresholds as in reporting-app.ts (30 days until a reward is due), claim window the default 60 days.
 */

type Row = Record<string, unknown>;

const org = uniqueName('org_claims');
const otherOrg = uniqueName('org_claims_other');
const CUSTOMER_NAME = 'Acme, "Best" Co 🚀';
const PROGRAM_NAME = 'Vendor "Q", Ltd 🎯';
const DAY_MS = 86_400_000;

const tables: Record<'partnership' | 'commission_rule' | 'account' | 'referral' | 'billing_record' | 'reward', Row[]> =
  {
    partnership: [],
    commission_rule: [],
    account: [],
    referral: [],
    billing_record: [],
    reward: [],
  };

function synced(key: string, days: number, extra: Row): Row {
  return {
    id: randomUUID(),
    tenant_id: org,
    external_key: key,
    source_created_at: daysAgo(days),
    last_fetched_at: new Date().toISOString(),
    raw: {},
    ...extra,
  };
}

function program(name: string, offers: Array<[kind: string, sourceType: string, rate: number]>): Row {
  const partnership = synced(`part_${name}`, 400, { status: 'active', raw: { company: { name: PROGRAM_NAME } } });
  tables.partnership.push(partnership);
  offers.forEach(([kind, sourceType, rate], position) =>
    tables.commission_rule.push({
      id: randomUUID(),
      tenant_id: org,
      partnership_id: partnership.id,
      position,
      kind,
      source_type: sourceType,
      rate,
      currency: 'USD',
      description: `${sourceType} offer`,
      // Both offers in force since long before any planted transaction.
      valid_from: '2020-01-01T00:00:00Z',
      raw: {},
    }),
  );
  return partnership;
}

function customer(name: string, partnership: Row, days: number, hasPaid: boolean | null = null): Row {
  const account = synced(`acct_${name}`, days, { name: CUSTOMER_NAME, contact_email: `${name}@example.com` });
  tables.account.push(account);
  const row = synced(`cus_${name}`, days, {
    partnership_id: partnership.id,
    partnership_key: partnership.external_key,
    account_id: account.id,
    contact_email: `${name}@example.com`,
    status: 'converted',
    has_paid: hasPaid,
  });
  tables.referral.push(row);
  return row;
}

function transaction(name: string, partnership: Row, amount: number, days: number, referral?: Row): Row {
  const row = synced(`tran_${name}`, days, {
    partnership_id: partnership.id,
    amount,
    currency: 'USD',
    amount_usd: amount,
    refunded: false,
    referral_id: referral?.id ?? null,
    customer_key: referral?.external_key ?? null,
  });
  tables.billing_record.push(row);
  return row;
}

function reward(name: string, partnership: Row, tx: Row, amount: number, status: string, decline?: string): Row {
  const row = synced(`rwrd_${name}`, 15, {
    partnership_id: partnership.id,
    amount,
    currency: 'USD',
    reward_status: status,
    payment_status: status === 'declined' ? null : 'available',
    decline_reason: decline ?? null,
    recurrence: 'one_time',
    billing_record_id: tx.id,
    billing_record_key: tx.external_key,
    referral_id: tx.referral_id,
  });
  tables.reward.push(row);
  return row;
}

const P20 = program('p20', [
  ['flat', 'flat', 50],
  ['percentage', 'revenue_share', 20],
]);
const PFLAT = program('pflat', [['flat', 'flat', 5000]]);

/** A 20 % transaction with no reward, of a customer of its own. */
const unrewarded = (name: string, days: number) => transaction(name, P20, 10_000, days, customer(name, P20, days));
/** A reward on a 5,000 transaction (1,000 expected at 20 %), 20 days old. */
const rewarded = (name: string, amount: number, status: string, decline?: string) =>
  reward(name, P20, transaction(name, P20, 5000, 20, customer(name, P20, 20)), amount, status, decline);

const pack = unrewarded('pack', 40);
unrewarded('expired', 100);
const expiring = unrewarded('expiring', 50);
const later = unrewarded('later', 40);
const byKey = unrewarded('bykey', 40);
const young = unrewarded('young', 10);
const fresh = unrewarded('fresh', 0.25);
const refundedLater = unrewarded('refundedlater', 40);
rewarded('dclrefunded', 1000, 'declined', 'Customer refunded');
rewarded('dclduplicate', 1000, 'declined', 'Duplicate customer');
rewarded('dclself', 1000, 'declined', ' Self-referral ');
rewarded('dclwindow', 1000, 'declined', 'Outside attribution window');
rewarded('dclnone', 1000, 'declined');
const shortLater = rewarded('shortlater', 998, 'approved');
const declinedLater = rewarded('declinedlater', 1000, 'declined');
// A paying customer on a flat program: no transaction rule applies, so the customer is the missed reward.
const payingCustomer = customer('payingcus', PFLAT, 45, true);
const payingTransaction = transaction('payingcus', PFLAT, 7000, 44, payingCustomer);

interface Claim {
  id: string;
  reason: string;
  state: 'open' | 'resolved' | 'expired';
  claimable: boolean;
  expectedDecline: string | null;
  detectedAt: string;
  occurredAt: string;
  claimDeadline: string;
  daysLeft: number;
  amountAtStake: { amount: number; currency: string } | null;
  expected: { amount: number; currency: string } | null;
  actual: { amount: number; currency: string } | null;
  ratePercent: number | null;
  program: { name: string | null; externalKey: string } | null;
  offers: Array<{ kind: string; sourceType: string | null; rate: number | null }>;
  customer: { externalKey: string | null; name: string | null; email: string | null } | null;
  transactions: Array<{ externalKey: string; occurredAt: string; amount: { amount: number; currency: string } }>;
  reward: { externalKey: string | null; status: string | null; declineReason: string | null } | null;
  resolution: { resolvedAt: string; recovered: { amount: number; currency: string } | null } | null;
}

/** The case a claim came from: the name in its reward's, transaction's or customer's key. */
function caseOf(claim: Claim): string {
  const key = claim.reward?.externalKey ?? claim.transactions[0]?.externalKey ?? claim.customer?.externalKey ?? '';
  return key.slice(key.indexOf('_') + 1);
}

/** RFC 4180: fields separated by commas, records by CRLF; a quoted field may hold commas, CRLFs and doubled quotes. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (character === '"') quoted = false;
      else field += character;
    } else if (character === '"' && field === '') quoted = true;
    else if (character === ',') {
      record.push(field);
      field = '';
    } else if (character === '\r' && text[index + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      index += 1;
    } else if (character === '"') throw new Error(`A quote inside an unquoted field at ${index}`);
    else field += character;
  }
  if (quoted) throw new Error('The file ends inside a quoted field');
  if (field !== '' || record.length > 0) throw new Error('The last record has no CRLF');
  return records;
}

describe('missed-reward claims and lifecycle', () => {
  let harness: ReportingHarness;
  const get = (path: string, query: Record<string, string | number | boolean> = {}, as = org) =>
    request(harness.app.getHttpServer())
      .get(path)
      .query(query)
      .set('Authorization', `Bearer ${harness.tokenFor(as)}`);
  const claims = async (query: Record<string, string | number | boolean> = {}) =>
    (await get('/v1/reports/missed-rewards/claims', { limit: 500, ...query }).expect(200)).body as {
      data: Claim[];
      nextCursor: string | null;
      summary: Record<string, unknown>;
    };
  const byCase = async (query: Record<string, string | number | boolean> = {}) =>
    new Map((await claims(query)).data.map((claim) => [caseOf(claim), claim]));
  const refresh = () => harness.admin.query('select domain.refresh_tenant_aggregates($1)', [org]);
  const lifecycleRows = async (tx: Row) =>
    (
      await harness.admin.query(
        'select count(*)::int as rows from domain.report_missed_reward_lifecycle where tenant_id = $1 and billing_record_id = $2',
        [org, tx.id],
      )
    ).rows[0].rows as number;
  let firstDetection: Map<string, Claim>;
  let beforeChanges: Date;

  beforeAll(async () => {
    harness = await startReporting();
    for (const [table, rows] of Object.entries(tables)) await insert(harness.admin, table, rows);
    await refresh();
    firstDetection = await byCase();
    expect(await lifecycleRows(fresh)).toBe(1);
  });

  afterAll(async () => {
    await harness?.close();
  });

  describe('as first detected', () => {
    it('lists every missed reward of the cases once, young ones not yet', () => {
      expect([...firstDetection.keys()].sort()).toEqual(
        [
          'pack',
          'expired',
          'expiring',
          'later',
          'bykey',
          'refundedlater',
          'dclrefunded',
          'dclduplicate',
          'dclself',
          'dclwindow',
          'dclnone',
          'shortlater',
          'declinedlater',
          'payingcus',
        ].sort(),
      );
    });

    it('gives a claim pack the evidence: customer, transaction, offer, expected against actual, reason', () => {
      const claim = firstDetection.get('pack') as Claim;
      expect(claim).toMatchObject({
        reason: 'transaction_without_reward',
        state: 'open',
        claimable: true,
        expectedDecline: null,
        amountAtStake: { amount: 2000, currency: 'USD' },
        expected: { amount: 2000, currency: 'USD' },
        actual: null,
        ratePercent: 20,
        program: { name: PROGRAM_NAME, externalKey: 'part_p20' },
        offers: [
          { kind: 'flat', sourceType: 'flat', rate: 50 },
          { kind: 'percentage', sourceType: 'revenue_share', rate: 20 },
        ],
        customer: { externalKey: 'cus_pack', name: CUSTOMER_NAME, email: 'pack@example.com' },
        transactions: [
          { externalKey: 'tran_pack', occurredAt: pack.source_created_at, amount: { amount: 10_000, currency: 'USD' } },
        ],
        reward: null,
        resolution: null,
      });
    });

    it('sets the deadline 60 days after the transaction, and counts the days left', () => {
      const claim = firstDetection.get('pack') as Claim;
      expect(claim.claimDeadline).toBe(
        new Date(Date.parse(pack.source_created_at as string) + 60 * DAY_MS).toISOString(),
      );
      expect(claim.daysLeft).toBe(20);
      expect(firstDetection.get('expired')).toMatchObject({ state: 'expired', daysLeft: 0 });
      expect(firstDetection.get('expiring')).toMatchObject({ state: 'open', daysLeft: 10 });
    });

    it('puts refunded, duplicate and self-referral declines apart from the claimable ones', () => {
      const kinds = Object.fromEntries(
        ['dclrefunded', 'dclduplicate', 'dclself', 'dclwindow', 'dclnone'].map((name) => {
          const claim = firstDetection.get(name) as Claim;
          return [name, [claim.claimable, claim.expectedDecline]];
        }),
      );
      expect(kinds).toEqual({
        dclrefunded: [false, 'refunded'],
        dclduplicate: [false, 'duplicate'],
        dclself: [false, 'self_referral'],
        dclwindow: [true, null],
        dclnone: [true, null],
      });
      expect(firstDetection.get('dclrefunded')).toMatchObject({
        reward: { externalKey: 'rwrd_dclrefunded', status: 'declined', declineReason: 'Customer refunded' },
        transactions: [{ externalKey: 'tran_dclrefunded', amount: { amount: 5000, currency: 'USD' } }],
      });
    });

    it("shows a paying customer's own transactions as its evidence, counted from the customer's creation", () => {
      expect(firstDetection.get('payingcus')).toMatchObject({
        reason: 'paying_customer_without_reward',
        amountAtStake: null,
        customer: { externalKey: 'cus_payingcus', name: CUSTOMER_NAME },
        transactions: [{ externalKey: 'tran_payingcus', amount: { amount: 7000, currency: 'USD' } }],
        claimDeadline: new Date(Date.parse(payingCustomer.source_created_at as string) + 60 * DAY_MS).toISOString(),
      });
      expect(payingTransaction.external_key).toBe('tran_payingcus');
    });

    it('keeps the time of detection across refreshes', async () => {
      await refresh();
      const again = await byCase();
      expect(Object.fromEntries([...again].map(([name, claim]) => [name, claim.detectedAt]))).toEqual(
        Object.fromEntries([...firstDetection].map(([name, claim]) => [name, claim.detectedAt])),
      );
      const detected = Date.parse((firstDetection.get('pack') as Claim).detectedAt);
      expect(detected).toBeLessThanOrEqual(Date.now());
      expect(detected).toBeGreaterThan(Date.now() - 10 * 60_000);
    });

    it('sorts by deadline, soonest first, page by page', async () => {
      const all = (await claims()).data.map((claim) => claim.claimDeadline);
      expect(all).toEqual([...all].sort());
      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: Claim[]; nextCursor: string | null } = await claims({
          limit: 4,
          ...(cursor ? { cursor } : {}),
        });
        walked.push(...page.data.map((claim) => claim.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(walked).toEqual((await claims()).data.map((claim) => claim.id));
      const newest = (await claims({ sort: '-claimDeadline' })).data.map((claim) => claim.claimDeadline);
      expect(newest).toEqual([...all].reverse());
    });
  });

  describe('after PartnerStack pays some, a refund and a passed deadline', () => {
    let after: Map<string, Claim>;

    beforeAll(async () => {
      beforeChanges = new Date();
      await insert(harness.admin, 'reward', [
        synced('rwrd_later', 1, {
          partnership_id: P20.id,
          amount: 2000,
          currency: 'USD',
          reward_status: 'approved',
          payment_status: 'available',
          recurrence: 'one_time',
          billing_record_id: later.id,
          billing_record_key: later.external_key,
        }),
        // Unlinked rewards, known only by PartnerStack's keys of the transaction and of the customer.
        synced('rwrd_bykey', 1, {
          partnership_id: P20.id,
          amount: 2000,
          currency: 'USD',
          reward_status: 'approved',
          payment_status: 'available',
          recurrence: 'one_time',
          billing_record_key: byKey.external_key,
        }),
        synced('rwrd_payingcus', 1, {
          partnership_id: PFLAT.id,
          amount: 500,
          currency: 'USD',
          reward_status: 'pending',
          payment_status: null,
          recurrence: 'one_time',
          customer_key: payingCustomer.external_key,
        }),
        synced('rwrd_fresh', 0, {
          partnership_id: P20.id,
          amount: 2000,
          currency: 'USD',
          reward_status: 'approved',
          payment_status: 'available',
          recurrence: 'one_time',
          billing_record_id: fresh.id,
          billing_record_key: fresh.external_key,
        }),
        synced('rwrd_young', 1, {
          partnership_id: P20.id,
          amount: 2000,
          currency: 'USD',
          reward_status: 'approved',
          payment_status: 'available',
          recurrence: 'one_time',
          billing_record_id: young.id,
          billing_record_key: young.external_key,
        }),
      ]);
      await harness.admin.query('update domain.reward set amount = 1000 where id = $1', [shortLater.id]);
      await harness.admin.query(
        `update domain.reward set reward_status = 'approved', payment_status = 'available'
        where id = $1`,
        [declinedLater.id],
      );
      await harness.admin.query('update domain.billing_record set refunded = true where id = $1', [refundedLater.id]);
      await harness.admin.query('update domain.billing_record set source_created_at = $2 where id = $1', [
        expiring.id,
        daysAgo(61),
      ]);
      await refresh();
      after = await byCase();
    });

    it('turns paid ones resolved, with what came back and when', () => {
      const resolved = Object.fromEntries(
        [...after].filter(([, claim]) => claim.state === 'resolved').map(([name, claim]) => [name, claim.resolution]),
      );
      expect(Object.keys(resolved).sort()).toEqual(['bykey', 'declinedlater', 'later', 'payingcus', 'shortlater']);
      expect(resolved.later?.recovered).toEqual({ amount: 2000, currency: 'USD' });
      expect(resolved.shortlater?.recovered).toEqual({ amount: 2, currency: 'USD' });
      expect(resolved.bykey?.recovered).toEqual({ amount: 2000, currency: 'USD' });
      expect(resolved.payingcus?.recovered).toEqual({ amount: 500, currency: 'USD' });
      expect(resolved.declinedlater?.recovered).toEqual({ amount: 1000, currency: 'USD' });
      for (const resolution of Object.values(resolved)) {
        expect(Date.parse(resolution?.resolvedAt ?? '')).toBeGreaterThanOrEqual(beforeChanges.getTime() - 1000);
      }
      // Detection stays what it was; resolution does not make it a new missed reward.
      expect(after.get('later')?.detectedAt).toBe(firstDetection.get('later')?.detectedAt);
    });

    it('never lists one rewarded within its grace period, and drops one whose transaction was refunded', async () => {
      expect(after.has('young')).toBe(false);
      expect(after.has('refundedlater')).toBe(false);
      // Seen as a candidate by the first refresh, rewarded within a day: the lifecycle keeps nothing of it.
      expect(await lifecycleRows(fresh)).toBe(0);
      expect(await lifecycleRows(pack)).toBe(1);
    });

    it('turns one expired once its deadline passed', () => {
      expect(after.get('expiring')).toMatchObject({ state: 'expired', daysLeft: 0 });
    });

    it('filters on state and claimability', async () => {
      const names = async (query: Record<string, string | boolean>) => [...(await byCase(query)).keys()].sort();
      expect(await names({ state: 'resolved' })).toEqual([
        'bykey',
        'declinedlater',
        'later',
        'payingcus',
        'shortlater',
      ]);
      expect(await names({ state: 'expired' })).toEqual(['expired', 'expiring']);
      expect(await names({ state: 'open' })).toEqual(
        ['dclduplicate', 'dclnone', 'dclrefunded', 'dclself', 'dclwindow', 'pack'].sort(),
      );
      expect(await names({ claimable: false })).toEqual(['dclduplicate', 'dclrefunded', 'dclself']);
      expect(await names({ state: 'open', claimable: true })).toEqual(['dclnone', 'dclwindow', 'pack']);
      expect(await names({ programId: PFLAT.id as string })).toEqual(['payingcus']);
    });

    it('totals per state, expected declines outside the amount at stake', async () => {
      expect((await claims()).summary).toEqual({
        open: { count: 3, amountAtStake: [{ amount: 4000, currency: 'USD' }] },
        expired: { count: 2, amountAtStake: [{ amount: 4000, currency: 'USD' }] },
        resolved: { count: 5, recovered: [{ amount: 5502, currency: 'USD' }] },
        expectedDeclines: { count: 3, amountAtStake: [{ amount: 3000, currency: 'USD' }] },
      });
    });

    it('adds what was recovered to the summary: this month, this quarter, all time', async () => {
      const recovered = { count: 5, recovered: [{ amount: 5502, currency: 'USD' }] };
      const { body } = await get('/v1/summary').expect(200);
      expect(body.recovered).toEqual({ thisMonth: recovered, thisQuarter: recovered, allTime: recovered });
      const customer = { count: 1, recovered: [{ amount: 500, currency: 'USD' }] };
      const flat = await get('/v1/summary', { programId: PFLAT.id as string }).expect(200);
      expect(flat.body.recovered).toEqual({ thisMonth: customer, thisQuarter: customer, allTime: customer });
    });

    it('exports the same claims as CSV that an RFC 4180 parser reads back, names with commas, quotes and emoji', async () => {
      const response = await get('/v1/reports/missed-rewards/claims')
        .set('Accept', 'text/csv')
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => done(null, text));
        })
        .expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/csv/);
      const [header, ...records] = parseCsv(response.body as string);
      const json = (await claims()).data;
      expect(records).toHaveLength(json.length);
      const rows = records.map((record) =>
        Object.fromEntries((header ?? []).map((name, index) => [name, record[index]])),
      );
      expect(rows.map((row) => row.id)).toEqual(json.map((claim) => claim.id));
      const packRow = rows.find((row) => row.transaction_keys === 'tran_pack');
      expect(packRow).toMatchObject({
        state: 'open',
        customer_name: CUSTOMER_NAME,
        customer_key: 'cus_pack',
        program_name: PROGRAM_NAME,
        transaction_amounts: '10000',
        transaction_dates: (pack.source_created_at as string).slice(0, 10),
        amount_at_stake: '2000',
        expected: '2000',
        claimable: 'true',
        days_left: '20',
        claim_deadline: (firstDetection.get('pack') as Claim).claimDeadline.slice(0, 10),
      });
      expect(rows.find((row) => row.reward_key === 'rwrd_dclrefunded')).toMatchObject({
        claimable: 'false',
        decline_reason: 'Customer refunded',
      });
      expect(rows.find((row) => row.reward_key === 'rwrd_later')).toBeUndefined();
      expect(rows.find((row) => row.transaction_keys === 'tran_later')).toMatchObject({
        state: 'resolved',
        recovered: '2000',
      });
    });

    it('shows another org none of them, and refuses what it cannot read', async () => {
      const { body } = await get('/v1/reports/missed-rewards/claims', {}, otherOrg).expect(200);
      expect(body.data).toEqual([]);
      expect(body.summary.resolved).toEqual({ count: 0, recovered: [] });
      const other = await get('/v1/summary', {}, otherOrg).expect(200);
      expect(other.body.recovered.allTime).toEqual({ count: 0, recovered: [] });
      await get('/v1/reports/missed-rewards/claims', { state: 'lost' }).expect(400);
      await get('/v1/reports/missed-rewards/claims', { claimable: 'maybe' }).expect(400);
      await get('/v1/reports/missed-rewards/claims', { sort: 'amount' }).expect(400);
      await get('/v1/reports/missed-rewards/claims', { status: 'declined' }).expect(400);
    });

    it('still answers the missed-rewards list as before, without the resolved ones', async () => {
      const { body } = await get('/v1/reports/missed-rewards', { limit: 500 }).expect(200);
      const keys = body.data.map(
        (row: { transaction: { externalKey: string } | null; reward: { externalKey: string } | null }) =>
          row.reward?.externalKey ?? row.transaction?.externalKey,
      );
      expect(keys).not.toContain('tran_later');
      expect(keys).toContain('tran_pack');
      expect(body.thresholds).toEqual({ afterDays: 30, stuckDays: 60 });
    });
  });
});
