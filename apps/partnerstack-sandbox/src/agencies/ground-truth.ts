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

/**
 * One program's money in one currency (partnerstack-api.md §11: balances are per program; [I] and per currency).
 * Positive rewards by status: `earned` = scheduled + pending (pending or on hold) + approved (available, not yet
 * paid) + paid; declined ones count nowhere. `clawedBack`: every clawback (negative), netted or not. `payouts`:
 * the payouts sent, net of the clawbacks they took. `balance`: what is available to withdraw, the approved rewards
 * plus the clawbacks not yet netted, which may be negative; then `withdrawalBlocked`.
 */
export interface ProgramEarnings {
  earned: MoneyCount;
  scheduled: MoneyCount;
  pending: MoneyCount;
  approved: MoneyCount;
  paid: MoneyCount;
  clawedBack: MoneyCount;
  payouts: MoneyCount;
  balance: number;
  withdrawalBlocked: boolean;
}

/** A version of a program's offer; `validTo` null while in force (OFFER_CHANGES). */
export interface OfferHistoryEntry {
  key: string;
  type: 'revenue_share' | 'flat';
  rate: number;
  currency: string;
  validFrom: number;
  validTo: number | null;
}

/** A transaction reward planted at the rate of the offer a change replaced (STALE_OFFER_REWARDS). */
export interface RewardBelowOffer {
  key: string;
  transactionKey: string;
  createdAt: number;
  amount: number;
  currency: string;
  rate: number;
  offerKey: string;
  offerRate: number;
}

/** A drip series with at least one occurrence not yet ready (DRIP_REWARDS). */
export interface DripSeriesTruth {
  transactionKey: string;
  currency: string;
  delayDays: number;
  cycleDays: number;
  occurrences: number;
  amount: number;
  /** Occurrences in order; `ready`: `now` is at or past `readyAt`. */
  rewards: Array<{ key: string; readyAt: number; amount: number; status: string; ready: boolean }>;
  /** Occurrences still `scheduled`. */
  notReady: MoneyCount;
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
    /**
     * `clawbacks`: negative rewards reversing paid rewards whose transaction was refunded; `drip`: occurrences of
     * drip series, of which `dripSeries` there are; `belowOffer`: planted stale-rate rewards (all in `count`).
     */
    rewards: { count: number; oneOff: number; clawbacks: number; drip: number; dripSeries: number; belowOffer: number };
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
  /**
   * By partnership key (a program the agency joined). `payoutDay`: the day of the month it pays out on
   * (PROGRAM_PAYOUT_DAYS). `offers`: its offer history up to now, oldest first. `earnings`: by currency.
   */
  perProgram: Record<
    string,
    {
      companyKey: string;
      companyName: string;
      archived: boolean;
      customers: number;
      transactions: { count: number; amountUsd: number };
      rewards: { count: number; amountByCurrency: Record<string, number> };
      payoutDay: number;
      offers: OfferHistoryEntry[];
      rewardsBelowOffer: RewardBelowOffer[];
      earnings: Record<string, ProgramEarnings>;
      dripSeries: DripSeriesTruth[];
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
      payoutDay: partnership.payoutDay,
      offers: offerHistory(agency, partnership.index, now),
      rewardsBelowOffer: [],
      earnings: {},
      dripSeries: [],
    };
    return key;
  });
  const earningsEntry = (partnership: number, currency: number) =>
    (perProgram[partnershipKeys[partnership]].earnings[CURRENCIES[currency]] ??= {
      earned: { count: 0, amount: 0 },
      scheduled: { count: 0, amount: 0 },
      pending: { count: 0, amount: 0 },
      approved: { count: 0, amount: 0 },
      paid: { count: 0, amount: 0 },
      clawedBack: { count: 0, amount: 0 },
      payouts: { count: 0, amount: 0 },
      balance: 0,
      withdrawalBlocked: false,
    });
  const addMoney = (entry: MoneyCount, amount: number) => {
    entry.count++;
    entry.amount += amount;
  };
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

  const rewards = { count: 0, oneOff: 0, clawbacks: 0, drip: 0, dripSeries: 0, belowOffer: 0 };
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
    const earnings = earningsEntry(rw.partnership[i], rw.currency[i]);
    if (state.status === 'approved') earnings.balance += rw.amount[i];
    if (rw.fate[i] & REWARD_FATE.clawback) {
      rewards.clawbacks++;
      entry.clawbacks.count++;
      entry.clawbacks.amount += rw.amount[i];
      addMoney(earnings.clawedBack, rw.amount[i]);
    } else if (state.status !== 'declined') {
      addMoney(earnings.earned, rw.amount[i]);
      const bucket = state.status === 'hold' ? 'pending' : state.status;
      addMoney(earnings[bucket as 'scheduled' | 'pending' | 'approved' | 'paid'], rw.amount[i]);
    }
    if (rw.fate[i] & REWARD_FATE.staleRate) {
      rewards.belowOffer++;
      perProgram[partnershipKeys[rw.partnership[i]]].rewardsBelowOffer.push(belowOffer(agency, i));
    }
    if (rw.fate[i] & REWARD_FATE.drip) {
      rewards.drip++;
      if (data.dripOccurrence(i) === 0) {
        rewards.dripSeries++;
        const series = dripSeries(agency, i, now);
        if (series.notReady.count > 0) perProgram[partnershipKeys[rw.partnership[i]]].dripSeries.push(series);
      }
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
    addMoney(earningsEntry(payout.partnership, payout.currency).payouts, payout.amount);
  }
  for (const program of Object.values(perProgram)) {
    for (const earnings of Object.values(program.earnings)) earnings.withdrawalBlocked = earnings.balance < 0;
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

function offerHistory(agency: Agency, partnership: number, now: number): OfferHistoryEntry[] {
  const { data, views } = agency;
  const program = data.partnerships[partnership];
  const currency = CURRENCIES[program.currency];
  const history: OfferHistoryEntry[] = program.offerVersions
    .map((version, position) => ({ version, position }))
    .filter(({ version }) => version.validFrom <= now)
    .map(({ version, position }) => ({
      key: views.percentOfferKey(partnership, position),
      type: 'revenue_share' as const,
      rate: version.rate,
      currency,
      validFrom: version.validFrom,
      validTo: version.validTo <= now ? version.validTo : null,
    }));
  if (program.flatAmount > 0) {
    history.push({
      key: views.flatOfferKey(partnership),
      type: 'flat',
      rate: program.flatAmount / 100,
      currency,
      validFrom: program.createdAt,
      validTo: null,
    });
  }
  return history;
}

function belowOffer(agency: Agency, reward: number): RewardBelowOffer {
  const { data, views } = agency;
  const table = data.rewards;
  const partnership = table.partnership[reward];
  const version = data.offerVersionAt(partnership, table.createdAt[reward]);
  return {
    key: views.codecs.rewards.encode(reward),
    transactionKey: views.codecs.transactions.encode(table.ref[reward]),
    createdAt: table.createdAt[reward],
    amount: table.amount[reward],
    currency: CURRENCIES[table.currency[reward]],
    rate: data.rewardRate(reward),
    offerKey: views.percentOfferKey(partnership, version),
    offerRate: data.partnerships[partnership].offerVersions[version].rate,
  };
}

function dripSeries(agency: Agency, first: number, now: number): DripSeriesTruth {
  const { data, views } = agency;
  const table = data.rewards;
  const shape = data.dripShape(table.ref[first]);
  const notReady = { count: 0, amount: 0 };
  const rewards = Array.from({ length: shape.occurrences }, (_, occurrence) => {
    const index = first + occurrence;
    const readyAt = data.readyAt(index);
    const status = rewardState(data, index, now).status;
    if (status === 'scheduled') {
      notReady.count++;
      notReady.amount += table.amount[index];
    }
    return {
      key: views.codecs.rewards.encode(index),
      readyAt,
      amount: table.amount[index],
      status,
      ready: now >= readyAt,
    };
  });
  return {
    transactionKey: views.codecs.transactions.encode(table.ref[first]),
    currency: CURRENCIES[table.currency[first]],
    delayDays: shape.delayDays,
    cycleDays: shape.cycleDays,
    occurrences: shape.occurrences,
    amount: rewards.reduce((sum, reward) => sum + reward.amount, 0),
    rewards,
    notReady,
  };
}
