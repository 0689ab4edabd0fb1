import { REWARD_FATE } from '../generation/agency-data';
import {
  CURRENCIES,
  DAY_MS,
  EARLY_REFUND_DAYS,
  LATE_CUSTOMER_CHANGE_DAYS,
  USUAL_REWARD_CHANGE_DAYS,
} from '../sandbox.constants';
import type { Agency } from './agency';
import { amountUsd, rewardState } from './record-views';

export interface MoneyCount {
  count: number;
  amount: number;
}

export interface GroundTruth {
  agency: {
    fingerprint: string;
    records: number;
    daysAdvanced: number;
    now: number;
    nowIso: string;
    dealsVisible: boolean;
    leadsVisible: boolean;
  };
  /** `count` is what a default walk of the stream returns (partnerships: without archived ones). */
  streams: {
    partnerships: { count: number; archived: number; includingArchived: number };
    customers: { count: number; archived: number; paying: number; withoutEmail: number };
    transactions: { count: number; refunded: number };
    /** `clawbacks`: negative rewards reversing paid rewards whose transaction was refunded (included in `count`). */
    rewards: { count: number; oneOff: number; clawbacks: number };
    payouts: { count: number };
    actions: { count: number; archived: number };
    marketplace_programs: { count: number };
    deals: { count: number; available: boolean };
    leads: { count: number; available: boolean };
  };
  /**
   * Money per currency, in minor units. Refunded transactions are included in `transactions`; clawbacks (negative)
   * in `rewards`, which is therefore net, and again on their own in `clawbacks`. Payouts are net of the clawbacks
   * they took.
   */
  perCurrency: Record<
    string,
    {
      transactions: MoneyCount & { amountUsd: number };
      refundedTransactions: MoneyCount;
      rewards: MoneyCount;
      clawbacks: MoneyCount;
      payouts: MoneyCount;
    }
  >;
  /** By partnership key (a program the agency joined). */
  perProgram: Record<
    string,
    {
      companyKey: string;
      companyName: string;
      archived: boolean;
      customers: number;
      transactions: { count: number; amountUsd: number };
      rewards: { count: number; amountByCurrency: Record<string, number> };
    }
  >;
  rewardsByStatus: Record<string, { count: number; amountByCurrency: Record<string, number> }>;
  rewardsByPaymentStatus: Record<string, number>;
  /** Records created by now that have since vanished from the API. */
  removed: { customers: number; transactions: number; actions: number; deals: number };
  /**
   * Changes, by now, later than a sync looking only at recent records would expect: visible rewards whose
   * `updated_at` is more than 45 days after `created_at` (§3.6), visible transactions refunded more than 25 days
   * after the sale, visible customers archived and customers removed more than 90 days after creation.
   */
  lateChanges: {
    rewardsChangedAfter45Days: number;
    transactionsRefundedAfter25Days: number;
    customersArchivedAfter90Days: number;
    customersRemovedAfter90Days: number;
  };
}

/** Counts and sums over everything the Partner API would return for this agency right now. */
export function computeGroundTruth(agency: Agency, available: { deals: boolean; leads: boolean }): GroundTruth {
  const { data, views } = agency;
  const now = agency.now;
  const perCurrency: GroundTruth['perCurrency'] = {};
  const currencyEntry = (currency: number) =>
    (perCurrency[CURRENCIES[currency]] ??= {
      transactions: { count: 0, amount: 0, amountUsd: 0 },
      refundedTransactions: { count: 0, amount: 0 },
      rewards: { count: 0, amount: 0 },
      clawbacks: { count: 0, amount: 0 },
      payouts: { count: 0, amount: 0 },
    });
  const perProgram: GroundTruth['perProgram'] = {};
  const partnershipKeys = data.partnerships.map((partnership) => {
    const key = views.partnershipKey(partnership.index);
    const company = views.company(partnership.index);
    perProgram[key] = {
      companyKey: company.key,
      companyName: company.name,
      archived: partnership.archivedAt <= now,
      customers: 0,
      transactions: { count: 0, amountUsd: 0 },
      rewards: { count: 0, amountByCurrency: {} },
    };
    return key;
  });
  const removed = { customers: 0, transactions: 0, actions: 0, deals: 0 };
  const lateChanges = {
    rewardsChangedAfter45Days: 0,
    transactionsRefundedAfter25Days: 0,
    customersArchivedAfter90Days: 0,
    customersRemovedAfter90Days: 0,
  };
  const lateCustomerMs = LATE_CUSTOMER_CHANGE_DAYS.min * DAY_MS;

  const customers = { count: 0, archived: 0, paying: 0, withoutEmail: 0 };
  const table = data.customers;
  for (let i = 0; i < table.length && table.createdAt[i] <= now; i++) {
    if (table.vanishAt[i] <= now) {
      removed.customers++;
      if (table.vanishAt[i] - table.createdAt[i] > lateCustomerMs) lateChanges.customersRemovedAfter90Days++;
      continue;
    }
    customers.count++;
    if (table.t2[i] <= now) customers.archived++;
    if (table.t2[i] <= now && table.t2[i] - table.createdAt[i] > lateCustomerMs) {
      lateChanges.customersArchivedAfter90Days++;
    }
    if (table.t1[i] <= now) customers.paying++;
    if (!views.customerEmail(i)) customers.withoutEmail++;
    perProgram[partnershipKeys[table.partnership[i]]].customers++;
  }

  const transactions = { count: 0, refunded: 0 };
  const tx = data.transactions;
  for (let i = 0; i < tx.length && tx.createdAt[i] <= now; i++) {
    if (tx.vanishAt[i] <= now) {
      removed.transactions++;
      continue;
    }
    const entry = currencyEntry(tx.currency[i]);
    const usd = amountUsd(tx.amount[i], tx.currency[i]);
    transactions.count++;
    entry.transactions.count++;
    entry.transactions.amount += tx.amount[i];
    entry.transactions.amountUsd += usd;
    if (tx.t1[i] <= now) {
      transactions.refunded++;
      entry.refundedTransactions.count++;
      entry.refundedTransactions.amount += tx.amount[i];
      if (tx.t1[i] - tx.createdAt[i] > EARLY_REFUND_DAYS.max * DAY_MS) lateChanges.transactionsRefundedAfter25Days++;
    }
    const program = perProgram[partnershipKeys[tx.partnership[i]]];
    program.transactions.count++;
    program.transactions.amountUsd += usd;
  }

  const rewards = { count: 0, oneOff: 0, clawbacks: 0 };
  const rewardsByStatus: GroundTruth['rewardsByStatus'] = {};
  const rewardsByPaymentStatus: Record<string, number> = {};
  const rw = data.rewards;
  for (let i = 0; i < rw.length && rw.createdAt[i] <= now; i++) {
    const state = rewardState(data, i, now);
    const currency = CURRENCIES[rw.currency[i]];
    rewards.count++;
    if (rw.ref[i] < 0) rewards.oneOff++;
    const entry = currencyEntry(rw.currency[i]);
    entry.rewards.count++;
    entry.rewards.amount += rw.amount[i];
    if (rw.fate[i] & REWARD_FATE.clawback) {
      rewards.clawbacks++;
      entry.clawbacks.count++;
      entry.clawbacks.amount += rw.amount[i];
    }
    if (state.updatedAt - rw.createdAt[i] > USUAL_REWARD_CHANGE_DAYS * DAY_MS) lateChanges.rewardsChangedAfter45Days++;
    const status = (rewardsByStatus[state.status] ??= { count: 0, amountByCurrency: {} });
    status.count++;
    status.amountByCurrency[currency] = (status.amountByCurrency[currency] ?? 0) + rw.amount[i];
    const payment = state.paymentStatus ?? 'null';
    rewardsByPaymentStatus[payment] = (rewardsByPaymentStatus[payment] ?? 0) + 1;
    const program = perProgram[partnershipKeys[rw.partnership[i]]];
    program.rewards.count++;
    program.rewards.amountByCurrency[currency] = (program.rewards.amountByCurrency[currency] ?? 0) + rw.amount[i];
  }

  const payouts = data.payoutsUntil(now);
  for (const payout of payouts) {
    const entry = currencyEntry(payout.currency);
    entry.payouts.count++;
    entry.payouts.amount += payout.amount;
  }

  const countVisible = (events: typeof data.actions, archivedBy?: Float64Array) => {
    let count = 0;
    let archived = 0;
    let gone = 0;
    for (let i = 0; i < events.length && events.createdAt[i] <= now; i++) {
      if (events.vanishAt[i] <= now) {
        gone++;
        continue;
      }
      count++;
      if (archivedBy && archivedBy[i] <= now) archived++;
    }
    return { count, archived, gone };
  };
  const actions = countVisible(data.actions, data.actions.t1);
  const deals = countVisible(data.deals);
  const leads = countVisible(data.leads);
  removed.actions = actions.gone;
  removed.deals = deals.gone;

  const archivedPartnerships = data.partnerships.filter((partnership) => partnership.archivedAt <= now).length;
  return {
    agency: {
      fingerprint: agency.fingerprint,
      records: agency.config.records,
      daysAdvanced: agency.config.daysAdvanced,
      now,
      nowIso: new Date(now).toISOString(),
      dealsVisible: available.deals,
      leadsVisible: available.leads,
    },
    streams: {
      partnerships: {
        count: data.partnerships.length - archivedPartnerships,
        archived: archivedPartnerships,
        includingArchived: data.partnerships.length,
      },
      customers,
      transactions,
      rewards,
      payouts: { count: payouts.length },
      actions: { count: actions.count, archived: actions.archived },
      marketplace_programs: { count: data.marketplace.length },
      deals: { count: deals.count, available: available.deals },
      leads: { count: leads.count, available: available.leads },
    },
    perCurrency,
    perProgram,
    rewardsByStatus,
    rewardsByPaymentStatus,
    removed,
    lateChanges,
  };
}
