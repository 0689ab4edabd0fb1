import { randomUUID } from 'node:crypto';

import request from 'supertest';

import { MissedRewardReason } from '@pp/domain';
import { uniqueName } from '@pp/testing';

import { ReportingHarness, startReporting } from '../reporting/reporting-app';
import { daysAgo, insert } from '../reporting/reporting-fixture';

/**
 * The missed-reward rules where they run: every case below is a handful of rows one tenant's refresh
 * (`domain.refresh_tenant_aggregates`, which calls `domain.refresh_tenant_missed_rewards`) turns into candidates, and
 * the verdict is what `/v1/reports/missed-rewards` answers for them, with the thresholds applied at read time
 * (30 days until a reward is due, 60 until an undecided one is stuck, as in reporting-app.ts). A case's records
 * carry its name in their keys, so each verdict is traced back to the case it came from.
 */

type Row = Record<string, unknown>;
/** A reason with its amount at stake (null when unknown), in the currency of the case (USD unless it says). */
type Verdict = [MissedRewardReason, number | null];

const org = uniqueName('org_rules');
const tables: Record<'partnership' | 'commission_rule' | 'referral' | 'billing_record' | 'reward', Row[]> = {
  partnership: [],
  commission_rule: [],
  referral: [],
  billing_record: [],
  reward: [],
};
const expected = new Map<string, Verdict[]>();

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

function program(name: string, offers: Array<[kind: string, rate: number]>): Row {
  const partnership = synced(`part_${name}`, 400, { status: 'active' });
  tables.partnership.push(partnership);
  offers.forEach(([kind, rate], position) =>
    tables.commission_rule.push({
      id: randomUUID(),
      tenant_id: org,
      partnership_id: partnership.id,
      position,
      kind,
      rate,
      currency: 'USD',
      raw: {},
    }),
  );
  return partnership;
}

function customer(name: string, partnership: Row, hasPaid: boolean | null, days = 40): Row {
  const row = synced(`cus_${name}`, days, {
    partnership_id: partnership.id,
    partnership_key: partnership.external_key,
    status: 'converted',
    has_paid: hasPaid,
  });
  tables.referral.push(row);
  return row;
}

interface TransactionFacts {
  amount: number;
  days?: number;
  refunded?: boolean;
  currency?: string;
  amountUsd?: number;
  referral?: Row;
}

function transaction(name: string, partnership: Row | null, facts: TransactionFacts): Row {
  const row = synced(`tran_${name}`, facts.days ?? 31, {
    partnership_id: partnership?.id ?? null,
    amount: facts.amount,
    currency: facts.currency ?? 'USD',
    amount_usd: facts.amountUsd ?? (facts.currency === undefined ? facts.amount : null),
    refunded: facts.refunded ?? false,
    referral_id: facts.referral?.id ?? null,
    customer_key: facts.referral?.external_key ?? null,
  });
  tables.billing_record.push(row);
  return row;
}

interface RewardFacts {
  amount: number;
  status?: string | null;
  payment?: string | null;
  days?: number;
  currency?: string;
  /** Linked by id, as the normalizer does once it knows the transaction. */
  transaction?: Row;
  /** Linked only by PartnerStack's key (the transaction not synced yet). */
  transactionKey?: string;
  referral?: Row;
  customerKey?: string;
}

function reward(name: string, partnership: Row, facts: RewardFacts): Row {
  const row = synced(`rwrd_${name}`, facts.days ?? 90, {
    partnership_id: partnership.id,
    amount: facts.amount,
    currency: facts.currency ?? 'USD',
    reward_status: facts.status === undefined ? 'approved' : facts.status,
    payment_status: facts.payment === undefined ? 'available' : facts.payment,
    recurrence: 'one_time',
    billing_record_id: facts.transaction?.id ?? null,
    billing_record_key: facts.transaction?.external_key ?? facts.transactionKey ?? null,
    referral_id: facts.referral?.id ?? null,
    customer_key: facts.customerKey ?? null,
  });
  tables.reward.push(row);
  return row;
}

function rule(name: string, verdicts: Verdict[], records: () => void): void {
  expected.set(name, verdicts);
  records();
}

// The revenue-share rate: the first offer by position of a revenue-share type (any case) with a positive rate.
const P20 = program('p20', [
  ['flat', 50],
  ['revenue_share', 20],
]);
const P12 = program('p12', [['Percentage', 12.5]]);
const P10 = program('p10', [['percent', 10]]);
const PFIRST = program('pfirst', [
  ['percentage', 15],
  ['revenue_share', 25],
]);
const PFLAT = program('pflat', [['flat', 5000]]);
const PZERO = program('pzero', [['revenue_share', 0]]);
const PNONE = program('pnone', []);
const RATES = { p20: 20, p12: 12.5, p10: 10, pfirst: 15, pflat: null, pzero: null, pnone: null };

// Transactions: paid, unrefunded, on a revenue-share program, with no reward once the 30 days are over.
rule('txdue', [['transaction_without_reward', 2000]], () => transaction('txdue', P20, { amount: 10_000 }));
rule('txingrace', [], () => transaction('txingrace', P20, { amount: 10_000, days: 29 }));
rule('txrefunded', [], () => transaction('txrefunded', P20, { amount: 10_000, refunded: true }));
rule('txrewarded', [], () =>
  reward('txrewarded', P20, { amount: 2000, transaction: transaction('txrewarded', P20, { amount: 10_000 }) }),
);
rule('txrewardedbykey', [], () => {
  transaction('txrewardedbykey', P20, { amount: 10_000 });
  reward('txrewardedbykey', P20, { amount: 2000, transactionKey: 'tran_txrewardedbykey' });
});
rule('txflat', [], () => transaction('txflat', PFLAT, { amount: 10_000 }));
rule('txzerorate', [], () => transaction('txzerorate', PZERO, { amount: 10_000 }));
rule('txnorules', [], () => transaction('txnorules', PNONE, { amount: 10_000 }));
rule('txnoprogram', [], () => transaction('txnoprogram', null, { amount: 10_000 }));
rule('txzero', [], () => transaction('txzero', P20, { amount: 0 }));
rule('txnegative', [], () => transaction('txnegative', P20, { amount: -5000 }));
rule('txfirstoffer', [['transaction_without_reward', 1500]], () =>
  transaction('txfirstoffer', PFIRST, { amount: 10_000 }),
);
// Commissions are rounded half away from zero: 100.5 is 101, 41.625 is 42.
rule('txhalf', [['transaction_without_reward', 101]], () => transaction('txhalf', P10, { amount: 1005 }));
rule('txfraction', [['transaction_without_reward', 42]], () => transaction('txfraction', P12, { amount: 333 }));

// Rewards, 90 days old, on a 5,000 transaction at 20 % (1,000 expected) unless the case says otherwise.
const onTransaction = (
  name: string,
  facts: Omit<RewardFacts, 'transaction'>,
  tx: TransactionFacts = {
    amount: 5000,
    days: 90,
  },
) => reward(name, P20, { ...facts, transaction: transaction(name, P20, tx) });
rule('rwinfull', [], () => onTransaction('rwinfull', { amount: 1000 }));
rule('rwdeclined', [['reward_declined', 10]], () => onTransaction('rwdeclined', { amount: 10, status: 'declined' }));
rule('rwhold', [['reward_stuck', 1000]], () => onTransaction('rwhold', { amount: 1000, status: 'hold' }));
rule('rwpendingyoung', [], () =>
  onTransaction('rwpendingyoung', { amount: 1000, status: 'pending', days: 59 }, { amount: 5000, days: 59 }),
);
rule('rwpendingold', [['reward_stuck', 1000]], () =>
  onTransaction('rwpendingold', { amount: 1000, status: 'pending', days: 61 }, { amount: 5000, days: 61 }),
);
rule('rwexpired', [['reward_payment_failed', 1000]], () =>
  onTransaction('rwexpired', { amount: 1000, payment: 'expired' }),
);
rule('rwfailed', [['reward_payment_failed', 1000]], () =>
  onTransaction('rwfailed', { amount: 1000, payment: 'failed' }),
);
// One minor unit short is within the tolerance; two are not.
rule('rwshort2', [['reward_below_rule', 2]], () => onTransaction('rwshort2', { amount: 998 }));
rule('rwshort1', [], () => onTransaction('rwshort1', { amount: 999 }));
rule('rwnotransaction', [], () => reward('rwnotransaction', P20, { amount: 1 }));
rule('rwflat', [], () =>
  reward('rwflat', PFLAT, { amount: 1, transaction: transaction('rwflat', PFLAT, { amount: 5000, days: 90 }) }),
);
rule('rwrefundedtx', [], () =>
  onTransaction('rwrefundedtx', { amount: 1 }, { amount: 5000, days: 90, refunded: true }),
);
rule('rwunknownstatus', [], () => onTransaction('rwunknownstatus', { amount: 1000, status: 'mystery_status' }));
rule('rwnostatus', [['reward_below_rule', 500]], () =>
  onTransaction('rwnostatus', { amount: 500, status: null, payment: null }),
);
rule(
  'rwdeclinedfailed',
  [
    ['reward_declined', 1000],
    ['reward_payment_failed', 1000],
  ],
  () => onTransaction('rwdeclinedfailed', { amount: 1000, status: 'declined', payment: 'failed' }),
);
rule(
  'rwstuckshort',
  [
    ['reward_below_rule', 500],
    ['reward_stuck', 500],
  ],
  () => onTransaction('rwstuckshort', { amount: 500, status: 'hold' }),
);
// A USD reward on a EUR transaction is held to the transaction's USD amount; a EUR reward on a USD one to nothing.
rule('rwusdoneur', [['reward_below_rule', 80]], () =>
  onTransaction('rwusdoneur', { amount: 1000 }, { amount: 5000, days: 90, currency: 'EUR', amountUsd: 5400 }),
);
rule('rweuronusd', [], () => onTransaction('rweuronusd', { amount: 1, currency: 'EUR' }));
// 10 % of -1,005 is -101 (half away from zero): -102 is within the tolerance; 10 % of 1,005 is 101: 99 is not.
rule('rwnegativehalf', [], () =>
  reward('rwnegativehalf', P10, {
    amount: -102,
    transaction: transaction('rwnegativehalf', P10, { amount: -1005, days: 90 }),
  }),
);
rule('rwpositivehalf', [['reward_below_rule', 2]], () =>
  reward('rwpositivehalf', P10, {
    amount: 99,
    transaction: transaction('rwpositivehalf', P10, { amount: 1005, days: 90 }),
  }),
);

// Clawbacks the sandbox books (negative rewards): money taken back is never a missed reward, whatever its status.
const refunded = transaction('clawback', P20, { amount: 5000, days: 90, refunded: true });
rule('clawbackpaid', [], () =>
  reward('clawbackpaid', P20, { amount: 1000, status: 'paid', payment: 'paid_externally', transaction: refunded }),
);
rule('clawback', [], () => reward('clawback', P20, { amount: -1000, payment: null, days: 20, transaction: refunded }));
rule('clawbackunlinked', [], () => reward('clawbackunlinked', P20, { amount: -1000, payment: null }));
rule('clawbackstuck', [], () =>
  reward('clawbackstuck', P20, { amount: -1000, status: 'pending', payment: null, days: 61 }),
);

// Customers PartnerStack marks as paying, with no reward of any kind 30 days on.
rule('cuspaying', [['paying_customer_without_reward', null]], () => customer('cuspaying', P20, true));
rule('cusflat', [['paying_customer_without_reward', null]], () => customer('cusflat', PFLAT, true));
rule('cusnotpaying', [], () => customer('cusnotpaying', P20, false));
rule('cusunknown', [], () => customer('cusunknown', P20, null));
rule('cusyoung', [], () => customer('cusyoung', P20, true, 10));
rule('cusrewarded', [], () =>
  reward('cusrewarded', PFLAT, { amount: 100, referral: customer('cusrewarded', P20, true) }),
);
rule('cusrewardedbykey', [], () => {
  customer('cusrewardedbykey', P20, true);
  reward('cusrewardedbykey', PFLAT, { amount: 100, customerKey: 'cus_cusrewardedbykey' });
});
// Its transaction was reported on its own: the customer is not reported again.
rule('cusreported', [['transaction_without_reward', 2000]], () =>
  transaction('cusreported', P20, { amount: 10_000, referral: customer('cusreported', P20, true) }),
);

interface MissedRow {
  reason: MissedRewardReason;
  amountAtStake: { amount: number } | null;
  reward: { externalKey: string } | null;
  transaction: { externalKey: string } | null;
  referral: { externalKey: string } | null;
}

/** The case a verdict came from: the name in its record's key (`rwrd_<case>`, `tran_<case>`, `cus_<case>`). */
function caseOf(row: MissedRow): string {
  const key = (row.reward ?? row.transaction ?? row.referral)?.externalKey ?? '';
  return key.slice(key.indexOf('_') + 1);
}

describe('missed-reward rules, run in PostgreSQL', () => {
  let harness: ReportingHarness;
  let token: string;
  const get = (path: string, query: Record<string, string | number> = {}) =>
    request(harness.app.getHttpServer()).get(path).query(query).set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    harness = await startReporting();
    token = harness.tokenFor(org);
    for (const [table, rows] of Object.entries(tables)) await insert(harness.admin, table, rows);
    await harness.admin.query('select domain.refresh_tenant_aggregates($1)', [org]);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('gives every case its verdicts, no more, no fewer', async () => {
    const { body } = await get('/v1/reports/missed-rewards', { limit: 500 }).expect(200);
    const actual = new Map<string, Verdict[]>([...expected.keys()].map((name) => [name, []]));
    for (const row of body.data as MissedRow[]) {
      const verdicts = actual.get(caseOf(row));
      if (!verdicts) throw new Error(`A missed reward no case planted: ${JSON.stringify(row)}`);
      verdicts.push([row.reason, row.amountAtStake?.amount ?? null]);
    }
    const sorted = (verdicts: Verdict[]) => [...verdicts].sort(([left], [right]) => left.localeCompare(right));
    expect(Object.fromEntries([...actual].map(([name, verdicts]) => [name, sorted(verdicts)]))).toEqual(
      Object.fromEntries([...expected].map(([name, verdicts]) => [name, sorted(verdicts)])),
    );
  });

  it('totals the same verdicts per reason on both summing paths, negative amounts included', async () => {
    const totals = new Map<MissedRewardReason, { count: number; amount: number; known: boolean }>();
    for (const [reason, amount] of [...expected.values()].flat()) {
      const total = totals.get(reason) ?? { count: 0, amount: 0, known: false };
      totals.set(reason, {
        count: total.count + 1,
        amount: total.amount + (amount ?? 0),
        known: total.known || amount !== null,
      });
    }
    const summary = [...totals]
      .sort(([left], [right]) => left.localeCompare(right))
      .map(([reason, { count, amount, known }]) => ({
        reason,
        count,
        amountAtStake: known ? [{ amount, currency: 'USD' }] : [],
      }));
    const daily = (await get('/v1/reports/missed-rewards').expect(200)).body.summary;
    const exact = (await get('/v1/reports/missed-rewards', { from: '2000-01-01T00:00:00Z' }).expect(200)).body.summary;
    expect(daily).toEqual(summary);
    expect(exact).toEqual(summary);
  });

  it('shows each program the revenue-share rate the rules apply', async () => {
    const { body } = await get('/v1/programs', { limit: 500 }).expect(200);
    const rates = Object.fromEntries(
      body.data.map((item: { externalKey: string; revenueShareRate: number | null }) => [
        item.externalKey.replace(/^part_/, ''),
        item.revenueShareRate,
      ]),
    );
    expect(rates).toEqual(RATES);
  });
});
