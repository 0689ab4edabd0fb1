import {
  CURRENCIES,
  DAY_MS,
  DEALS_AND_LEADS_VISIBLE_SHARE,
  DECLINE_REASONS,
  PAYOUT_DAY_OF_MONTH,
  PAYOUT_HOUR_UTC,
  REFUND_DECLINE_REASON,
} from '../sandbox.constants';
import { EventTable } from './event-table';
import { hash32, Prng, Seed } from './prng';
import {
  ACTION_TYPES,
  CATEGORIES,
  COMPANY_NAMES,
  COUNTRIES,
  DEAL_LOST_REASONS,
  GROUP_NAMES,
  PRODUCTS,
} from './vocabulary';

export interface Partnership {
  index: number;
  companyIndex: number;
  companyId: number;
  groupIndex: number;
  createdAt: number;
  archivedAt: number;
  updatedAt: number;
  claimed: boolean;
  hasSubId: boolean;
  currency: number;
  percentRate: number;
  /** Flat reward per one-off event in minor units, 0 when the program has no flat offer. */
  flatAmount: number;
  weight: number;
}

export interface MarketplaceProgram {
  index: number;
  companyIndex: number;
  companyId: number;
  createdAt: number;
  categories: string[];
  country: string;
  hasSubId: boolean;
  baseRate: number;
  currency: number;
}

export interface Payout {
  id: number;
  createdAt: number;
  currency: number;
  amount: number;
  rewards: number;
}

/** Reward `fate` bits: the outcome decided at creation, plus two flags. */
export const REWARD_FATE = {
  paid: 0,
  declined: 1,
  refundDeclined: 2,
  paidThenRefunded: 3,
  outcomeMask: 0x7,
  drip: 0x8,
  oneOff: 0x10,
} as const;

export const DEAL_FATE = { won: 0, lost: 1 } as const;
export const LEAD_OUTCOMES = ['closed won', 'closed lost', 'dead', 'closed'] as const;

const DRIP_DELAY_MS = 30 * DAY_MS;
const SAME_MILLISECOND_SHARE = 0.12;
const EVENT_WEIGHTS = [
  ['customer', 0.22],
  ['transaction', 0.4],
  ['oneOffReward', 0.04],
  ['action', 0.1],
  ['deal', 0.02],
  ['lead', 0.02],
] as const;
type EventKind = (typeof EVENT_WEIGHTS)[number][0];
const TOTAL_WEIGHT = EVENT_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
const TRANSACTION_REWARD_SHARE = 0.85;
const eventShare = (kind: EventKind) => EVENT_WEIGHTS.find(([name]) => name === kind)![1] / TOTAL_WEIGHT;
/** Records per generated event: transactions bring most rewards with them. */
const RECORDS_PER_EVENT = 1 + eventShare('transaction') * TRANSACTION_REWARD_SHARE;

const TRANSACTION_PRICES = [900, 1900, 2900, 4900, 9900, 19900, 49900];
const JPY_PRICES = [980, 1980, 4800, 9800, 29800];
const DEAL_AMOUNTS = [150000, 480000, 1200000, 2500000];

export interface AgencyShape {
  seed: Seed;
  records: number;
  clockStart: number;
  historyDays: number;
}

/**
 * Everything an agency holds, generated from its seed in creation order by one event loop. Each record's
 * future (when a customer pays, a reward is approved or paid, a transaction is refunded, a record vanishes)
 * is decided when it is created, so the state at any `now` is a pure function of the record and `now`, and
 * advancing time only runs the loop further. Splitting an advance (2 + 3 days vs 5) gives the same data.
 */
export class AgencyData {
  public readonly partnerships: Partnership[] = [];
  public readonly marketplace: MarketplaceProgram[] = [];
  public readonly customers: EventTable;
  public readonly transactions: EventTable;
  public readonly rewards: EventTable;
  public readonly actions: EventTable;
  public readonly deals: EventTable;
  public readonly leads: EventTable;
  public readonly payouts = new Map<number, Payout>();
  /** Whether this agency's token may read deals and leads, unless an admin overrides it. */
  public readonly dealsAndLeadsVisible: boolean;
  public generatedUntil: number;

  private readonly rng: Prng;
  private readonly meanGapMs: number;
  private payers: Uint32Array;
  private payerCount = 0;
  private nextAt: number;

  constructor(private readonly shape: AgencyShape) {
    const { seed, records, clockStart, historyDays } = shape;
    this.rng = new Prng(seed);
    const events = Math.max(1, records / RECORDS_PER_EVENT);
    const share = (kind: EventKind) => eventShare(kind) * events * 1.05 + 8;
    this.customers = new EventTable(share('customer'));
    this.transactions = new EventTable(share('transaction'));
    this.rewards = new EventTable(share('transaction') * 0.9 + share('oneOffReward'));
    this.actions = new EventTable(share('action'));
    this.deals = new EventTable(share('deal'));
    this.leads = new EventTable(share('lead'));
    this.payers = new Uint32Array(Math.ceil(share('customer') * 0.5) + 16);
    this.dealsAndLeadsVisible = this.rng.chance(DEALS_AND_LEADS_VISIBLE_SHARE);

    const historyStart = clockStart - historyDays * DAY_MS;
    // Some events share the previous one's millisecond, so the others are spaced wider to span the history.
    this.meanGapMs = (historyDays * DAY_MS) / events / (1 - SAME_MILLISECOND_SHARE);
    this.createPartnerships(historyStart);
    this.createMarketplace(historyStart);
    this.nextAt = historyStart + this.gap();
    this.generatedUntil = historyStart;
    this.extendTo(clockStart);
  }

  public extendTo(until: number): void {
    while (this.nextAt <= until) {
      this.emit(this.nextAt);
      this.nextAt = this.rng.chance(SAME_MILLISECOND_SHARE) ? this.nextAt : this.nextAt + this.gap();
    }
    this.generatedUntil = Math.max(this.generatedUntil, until);
  }

  public recordCount(): number {
    return (
      this.partnerships.length +
      this.marketplace.length +
      this.customers.length +
      this.transactions.length +
      this.rewards.length +
      this.actions.length +
      this.deals.length +
      this.leads.length +
      this.payouts.size
    );
  }

  public bytes(): number {
    return [this.customers, this.transactions, this.rewards, this.actions, this.deals, this.leads].reduce(
      (sum, table) => sum + table.bytes(),
      this.payers.byteLength,
    );
  }

  /** Payouts sent by `now`, in creation order (ties by id). */
  public payoutsUntil(now: number): Payout[] {
    return [...this.payouts.values()]
      .filter((payout) => payout.createdAt <= now)
      .sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
  }

  private gap(): number {
    return Math.max(1, Math.round(-Math.log(1 - this.rng.next()) * this.meanGapMs));
  }

  private createPartnerships(historyStart: number): void {
    const rng = this.rng;
    const count = rng.int(3, 7);
    const companies = this.distinctCompanies(count + rng.int(4, 8));
    for (let index = 0; index < count; index++) {
      const createdAt = historyStart - rng.int(20, 400) * DAY_MS - rng.int(0, DAY_MS - 1);
      this.partnerships.push({
        index,
        companyIndex: companies[index],
        companyId: 40000 + ((hash32(this.shape.seed, 100, companies[index]) % 50000) >>> 0),
        groupIndex: rng.int(0, GROUP_NAMES.length - 1),
        createdAt,
        archivedAt: Infinity,
        updatedAt: createdAt + rng.int(0, 10) * DAY_MS,
        claimed: rng.chance(0.85),
        hasSubId: rng.chance(0.6),
        currency: rng.chance(0.8) ? 0 : 1,
        percentRate: rng.pick([10, 15, 20, 25, 30]),
        flatAmount: rng.chance(0.5) ? rng.pick([2500, 5000, 10000]) : 0,
        weight: 1 + rng.int(0, 4),
      });
    }
    // One partnership was archived long ago; another gets archived a few days after the clock starts.
    const archivedEarly = this.partnerships[count - 1];
    if (rng.chance(0.5)) archivedEarly.archivedAt = historyStart + rng.int(10, 200) * DAY_MS;
    const archivedLater = this.partnerships[count - 2];
    archivedLater.archivedAt = this.shape.clockStart + rng.int(2, 9) * DAY_MS + rng.int(0, DAY_MS - 1);
    this.marketplaceCompanies = companies;
  }

  private marketplaceCompanies: number[] = [];

  private createMarketplace(historyStart: number): void {
    const rng = this.rng;
    this.marketplaceCompanies.forEach((companyIndex, index) => {
      const joined = this.partnerships.find((partnership) => partnership.companyIndex === companyIndex);
      this.marketplace.push({
        index,
        companyIndex,
        companyId: joined?.companyId ?? 40000 + ((hash32(this.shape.seed, 100, companyIndex) % 50000) >>> 0),
        createdAt: historyStart - rng.int(400, 2000) * DAY_MS - rng.int(0, DAY_MS - 1),
        categories: [rng.pick(CATEGORIES), ...(rng.chance(0.3) ? [rng.pick(CATEGORIES)] : [])].filter(
          (value, position, all) => all.indexOf(value) === position,
        ),
        country: rng.pick(['US', 'CA', 'DE', 'GB', 'FR']),
        hasSubId: joined?.hasSubId ?? rng.chance(0.5),
        baseRate: joined?.percentRate ?? rng.pick([10, 15, 20, 25, 30, 40]),
        currency: joined?.currency ?? 0,
      });
    });
  }

  private distinctCompanies(count: number): number[] {
    const pool = COMPANY_NAMES.map((_, index) => index);
    const chosen: number[] = [];
    while (chosen.length < Math.min(count, pool.length)) {
      chosen.push(pool.splice(this.rng.int(0, pool.length - 1), 1)[0]);
    }
    return chosen;
  }

  private emit(at: number): void {
    let roll = this.rng.next() * TOTAL_WEIGHT;
    let kind: EventKind = 'customer';
    for (const [name, weight] of EVENT_WEIGHTS) {
      if (roll < weight) {
        kind = name;
        break;
      }
      roll -= weight;
    }
    if (this.customers.length === 0 || ((kind === 'transaction' || kind === 'action') && this.payerCount === 0)) {
      kind = 'customer';
    }
    switch (kind) {
      case 'customer':
        return this.addCustomer(at);
      case 'transaction':
        return this.addTransaction(at);
      case 'oneOffReward':
        return this.addOneOffReward(at);
      case 'action':
        return this.addAction(at);
      case 'deal':
        return this.addDeal(at);
      case 'lead':
        return this.addLead(at);
    }
  }

  private pickPartnership(at: number): number {
    const open = this.partnerships.filter((partnership) => partnership.archivedAt > at);
    const candidates = open.length > 0 ? open : this.partnerships;
    let roll = this.rng.next() * candidates.reduce((sum, partnership) => sum + partnership.weight, 0);
    for (const partnership of candidates) {
      if (roll < partnership.weight) return partnership.index;
      roll -= partnership.weight;
    }
    return candidates[candidates.length - 1].index;
  }

  /** t1: first payment (has_paid from then), t2: archived at; extra: country; currency: the country's. */
  private addCustomer(at: number): void {
    const rng = this.rng;
    const table = this.customers;
    const index = table.add(at);
    table.partnership[index] = this.pickPartnership(at);
    const country = rng.int(0, COUNTRIES.length - 1);
    table.extra[index] = country;
    table.currency[index] = CURRENCIES.indexOf(COUNTRIES[country][1]);
    if (rng.chance(0.05)) table.t2[index] = at + rng.int(10, 200) * DAY_MS + rng.int(0, DAY_MS - 1);
    if (rng.chance(0.004)) table.vanishAt[index] = at + rng.int(1, 90) * DAY_MS;
    if (rng.chance(0.5)) {
      if (this.payerCount === this.payers.length) {
        const wider = new Uint32Array(this.payers.length * 2);
        wider.set(this.payers);
        this.payers = wider;
      }
      this.payers[this.payerCount++] = index;
    }
  }

  /** ref: customer, t1: refunded at (archived from then), extra: product. */
  private addTransaction(at: number): void {
    const rng = this.rng;
    const customer = this.payers[rng.int(0, this.payerCount - 1)];
    const table = this.transactions;
    const index = table.add(at);
    const currency = this.customers.currency[customer];
    table.ref[index] = customer;
    table.partnership[index] = this.customers.partnership[customer];
    table.currency[index] = currency;
    table.amount[index] = CURRENCIES[currency] === 'JPY' ? rng.pick(JPY_PRICES) : rng.pick(TRANSACTION_PRICES);
    table.extra[index] = rng.int(0, PRODUCTS.length - 1);
    if (rng.chance(0.06)) table.t1[index] = at + rng.int(1, 25) * DAY_MS + rng.int(0, DAY_MS - 1);
    if (rng.chance(0.002)) table.vanishAt[index] = at + rng.int(1, 60) * DAY_MS;
    if (this.customers.t1[customer] > at) this.customers.t1[customer] = at;
    if (rng.chance(TRANSACTION_REWARD_SHARE)) {
      const partnership = this.partnerships[table.partnership[index]];
      const reward = this.rewards.add(at);
      this.rewards.ref[reward] = index;
      this.rewards.partnership[reward] = partnership.index;
      this.rewards.currency[reward] = currency;
      this.rewards.amount[reward] = Math.max(1, Math.round((table.amount[index] * partnership.percentRate) / 100));
      this.decideRewardFate(reward, at, table.t1[index], 0);
    }
  }

  private addOneOffReward(at: number): void {
    const partnership = this.partnerships[this.pickPartnership(at)];
    const reward = this.rewards.add(at);
    this.rewards.partnership[reward] = partnership.index;
    this.rewards.currency[reward] = partnership.currency;
    this.rewards.amount[reward] = partnership.flatAmount || 5000;
    this.decideRewardFate(reward, at, Infinity, REWARD_FATE.oneOff);
  }

  /**
   * t1: approved at, t2: paid at (payout date) or declined at, t3: put on hold at; extra: decline reason.
   * Drip rewards stay `scheduled` for 30 days first.
   */
  private decideRewardFate(reward: number, at: number, refundAt: number, flags: number): void {
    const rng = this.rng;
    const table = this.rewards;
    const drip = flags === 0 && rng.chance(0.05);
    const start = drip ? at + DRIP_DELAY_MS : at;
    let fate: number;
    if (rng.chance(0.08)) {
      fate = REWARD_FATE.declined;
      table.t2[reward] = start + rng.int(2, 20) * DAY_MS + rng.int(0, DAY_MS - 1);
      const reasons = DECLINE_REASONS.filter((reason) => reason !== REFUND_DECLINE_REASON);
      table.extra[reward] = DECLINE_REASONS.indexOf(rng.pick(reasons));
    } else {
      let approvedAt = start + rng.int(5, 30) * DAY_MS + rng.int(0, DAY_MS - 1);
      if (rng.chance(0.07)) {
        table.t3[reward] = start + rng.int(1, 4) * DAY_MS;
        approvedAt += rng.int(10, 40) * DAY_MS;
      }
      table.t1[reward] = approvedAt;
      const paidAt = payoutDateAfter(approvedAt + DAY_MS);
      if (refundAt < paidAt) {
        fate = REWARD_FATE.refundDeclined;
        table.t2[reward] = Math.max(refundAt, at + 1);
        table.extra[reward] = DECLINE_REASONS.indexOf(REFUND_DECLINE_REASON);
      } else {
        fate = refundAt === Infinity ? REWARD_FATE.paid : REWARD_FATE.paidThenRefunded;
        table.t2[reward] = paidAt;
        this.addToPayout(paidAt, table.currency[reward], table.amount[reward]);
      }
    }
    table.fate[reward] = fate | (drip ? REWARD_FATE.drip : 0) | flags;
  }

  private addToPayout(paidAt: number, currency: number, amount: number): void {
    const date = new Date(paidAt);
    const id = (date.getUTCFullYear() * 12 + date.getUTCMonth()) * 10 + currency;
    const payout = this.payouts.get(id) ?? { id, createdAt: paidAt, currency, amount: 0, rewards: 0 };
    payout.amount += amount;
    payout.rewards += 1;
    this.payouts.set(id, payout);
  }

  /** ref: customer, amount: value, t1: archived at, extra: action type. */
  private addAction(at: number): void {
    const rng = this.rng;
    const customer = rng.int(0, this.customers.length - 1);
    const table = this.actions;
    const index = table.add(at);
    table.ref[index] = customer;
    table.partnership[index] = this.customers.partnership[customer];
    table.amount[index] = rng.int(1, 3);
    table.extra[index] = rng.int(0, ACTION_TYPES.length - 1);
    if (rng.chance(0.03)) table.t1[index] = at + rng.int(1, 30) * DAY_MS;
    if (rng.chance(0.005)) table.vanishAt[index] = at + rng.int(1, 60) * DAY_MS;
  }

  /** t1: qualified at, t2: closed at; fate: won or lost; extra: lost reason. */
  private addDeal(at: number): void {
    const rng = this.rng;
    const table = this.deals;
    const index = table.add(at);
    table.partnership[index] = this.pickPartnership(at);
    table.amount[index] = rng.pick(DEAL_AMOUNTS);
    table.currency[index] = this.partnerships[table.partnership[index]].currency;
    table.t1[index] = at + rng.int(2, 15) * DAY_MS;
    table.t2[index] = table.t1[index] + rng.int(10, 60) * DAY_MS;
    table.fate[index] = rng.chance(0.55) ? DEAL_FATE.won : DEAL_FATE.lost;
    table.extra[index] = rng.int(0, DEAL_LOST_REASONS.length - 1);
    if (rng.chance(0.01)) table.vanishAt[index] = at + rng.int(1, 60) * DAY_MS;
  }

  /** t1: approved at, t2: resolved at; fate: index in LEAD_OUTCOMES. */
  private addLead(at: number): void {
    const rng = this.rng;
    const table = this.leads;
    const index = table.add(at);
    table.partnership[index] = this.pickPartnership(at);
    table.amount[index] = rng.pick(DEAL_AMOUNTS) / 10;
    table.currency[index] = this.partnerships[table.partnership[index]].currency;
    if (rng.chance(0.7)) table.t1[index] = at + rng.int(1, 7) * DAY_MS;
    table.t2[index] = at + rng.int(5, 45) * DAY_MS;
    table.fate[index] = rng.int(0, LEAD_OUTCOMES.length - 1);
  }
}

/** The first payout run strictly after `time`. */
export function payoutDateAfter(time: number): number {
  const date = new Date(time);
  let candidate = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), PAYOUT_DAY_OF_MONTH, PAYOUT_HOUR_UTC);
  if (candidate <= time) {
    candidate = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, PAYOUT_DAY_OF_MONTH, PAYOUT_HOUR_UTC);
  }
  return candidate;
}
