import {
  CURRENCIES,
  DAY_MS,
  DEALS_AND_LEADS_VISIBLE_SHARE,
  DECLINE_REASONS,
  EARLY_REFUND_DAYS,
  EARLY_REFUND_SHARE,
  LATE_CUSTOMER_ARCHIVE_SHARE,
  LATE_CUSTOMER_CHANGE_DAYS,
  LATE_CUSTOMER_REMOVAL_SHARE,
  LATE_REFUND_DAYS,
  LATE_REFUND_SHARE,
  LONG_OPEN_REWARD_DAYS,
  LONG_OPEN_REWARD_DECLINED_SHARE,
  LONG_OPEN_REWARD_SHARE,
  DRIP_REWARDS,
  INCORRECT_REWARD_CLAWBACKS,
  OFFER_CHANGES,
  OFFER_RATES,
  PAYOUT_DAY_OF_MONTH,
  PAYOUT_HOUR_UTC,
  PAYOUT_PROGRAM_SLOTS,
  PROGRAM_PAYOUT_DAYS,
  REFUND_DECLINE_REASON,
  STALE_OFFER_REWARDS,
} from '../sandbox.constants';
import { EventTable } from './event-table';
import { hash32, hashUnit, Prng, Seed } from './prng';
import { TimedQueue } from './timed-queue';
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
  /** The rate of the first percentage offer; `offerVersions` holds the ones that replace it later. */
  percentRate: number;
  /** Flat reward per one-off event in minor units, 0 when the program has no flat offer. */
  flatAmount: number;
  weight: number;
  /** Day of the month this program pays out on (PROGRAM_PAYOUT_DAYS). */
  payoutDay: number;
  /** The percentage offer over time, oldest first (OFFER_CHANGES); the first is valid from the partnership's start. */
  offerVersions: OfferVersion[];
}

export interface OfferVersion {
  rate: number;
  validFrom: number;
  /** Infinity while the offer is in force. */
  validTo: number;
}

export interface DripShape {
  delayDays: number;
  cycleDays: number;
  occurrences: number;
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
  partnership: number;
  currency: number;
  amount: number;
  rewards: number;
}

/** Reward `fate` bits: the outcome decided at creation, plus flags. */
export const REWARD_FATE = {
  paid: 0,
  declined: 1,
  refundDeclined: 2,
  paidThenRefunded: 3,
  outcomeMask: 0x7,
  drip: 0x8,
  oneOff: 0x10,
  /** A negative reward reversing a paid reward whose transaction was refunded (§11). */
  clawback: 0x20,
  /** Paid at the rate of the offer that a change replaced (STALE_OFFER_REWARDS): below the offer in force. */
  staleRate: 0x40,
} as const;

export const DEAL_FATE = { won: 0, lost: 1 } as const;
export const LEAD_OUTCOMES = ['closed won', 'closed lost', 'dead', 'closed'] as const;

const OTHER_DECLINE_REASONS = DECLINE_REASONS.filter((reason) => reason !== REFUND_DECLINE_REASON);
/**
 * Salts of the per-record hashes behind the later changes (late refunds, long-open rewards, late customer
 * archives and removals). They stay off the main random stream, so adding them left every other draw, and with it
 * every record that none of them touches, as it was. Each uses its salt and the next two.
 */
const LATE_SALT = { refund: 40, rewardOpen: 43, customerArchive: 46, customerRemoval: 49, rewardOpenVariant: 52 };
/** Salts of the per-program and per-record draws behind payout days, offer changes and drip series, off the stream too. */
const PLAN_SALT = {
  payoutDay: 60,
  offerChange: 62,
  offerRate: 65,
  staleRate: 66,
  dripShape: 67,
  dripApproval: 68,
  incorrectReward: 70,
};
/** Keys of held clawbacks: a program and a currency. */
const CURRENCY_SLOTS = 16;
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
  /**
   * Records and changes that happen after the event that decided them: clawbacks at refunds, and the payout runs of
   * a program and currency that has clawbacks waiting to be netted.
   */
  private readonly future = new TimedQueue<{ kind: 'clawback' | 'run'; value: number }>();
  /** The reward each clawback reverses. */
  private readonly reversedBy = new Map<number, number>();
  /** Clawbacks not yet netted, by program and currency (a run of theirs is queued while there are any). */
  private readonly heldClawbacks = new Map<number, number[]>();
  /** Payouts held back (a negative balance blocks withdrawals, §11), to the payout they joined. */
  private readonly heldBack = new Map<number, number>();

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
    this.planPrograms();
    this.createMarketplace(historyStart);
    this.nextAt = historyStart + this.gap();
    this.generatedUntil = historyStart;
    this.extendTo(clockStart);
  }

  /**
   * Future entries due before an event are served before it, and those due by `until` before returning, so an
   * entry lands between the same events, and gets the same index, however time is sliced.
   */
  public extendTo(until: number): void {
    while (this.nextAt <= until) {
      // Checked here rather than in serveFuture: this runs once per generated event.
      if (this.future.nextTime < this.nextAt) this.serveFuture(this.nextAt, false);
      this.emit(this.nextAt);
      this.nextAt = this.rng.chance(SAME_MILLISECOND_SHARE) ? this.nextAt : this.nextAt + this.gap();
    }
    this.serveFuture(until, true);
    this.generatedUntil = Math.max(this.generatedUntil, until);
  }

  /** The paid reward a clawback reverses. */
  public reversedReward(clawback: number): number {
    const reversed = this.reversedBy.get(clawback);
    if (reversed === undefined) throw new Error(`clawback ${clawback} reverses no reward`);
    return reversed;
  }

  /** The payout a paid reward went (or goes) out with: its run's, or the later one it was held back to. */
  public payoutOfReward(reward: number): Payout {
    const table = this.rewards;
    let id = payoutId(table.t2[reward], table.partnership[reward], table.currency[reward]);
    for (let next = this.heldBack.get(id); next !== undefined; next = this.heldBack.get(id)) id = next;
    return this.payouts.get(id)!;
  }

  /** Index in `offerVersions` of the percentage offer in force at `at`. */
  public offerVersionAt(partnership: number, at: number): number {
    const versions = this.partnerships[partnership].offerVersions;
    let version = 0;
    while (version + 1 < versions.length && versions[version + 1].validFrom <= at) version++;
    return version;
  }

  /** The percentage a transaction reward was computed at (the replaced offer's for a stale one). */
  public rewardRate(reward: number): number {
    const table = this.rewards;
    const partnership = table.partnership[reward];
    const version = this.offerVersionAt(partnership, table.createdAt[reward]);
    const stale = (table.fate[reward] & REWARD_FATE.staleRate) !== 0;
    return this.partnerships[partnership].offerVersions[stale ? version - 1 : version].rate;
  }

  /** The drip series shape of a transaction's reward, drawn by weight. */
  public dripShape(transaction: number): DripShape {
    let roll = hashUnit(this.shape.seed, PLAN_SALT.dripShape, transaction);
    for (const shape of DRIP_REWARDS.shapes) {
      if (roll < shape.weight) return shape;
      roll -= shape.weight;
    }
    return DRIP_REWARDS.shapes[0];
  }

  /** Position (from 0) of a drip reward in its series: the series' rewards are consecutive, created together. */
  public dripOccurrence(reward: number): number {
    const table = this.rewards;
    let first = reward;
    while (
      first > 0 &&
      table.ref[first - 1] === table.ref[reward] &&
      table.createdAt[first - 1] === table.createdAt[reward] &&
      (table.fate[first - 1] & (REWARD_FATE.drip | REWARD_FATE.clawback)) === REWARD_FATE.drip
    ) {
      first--;
    }
    return reward - first;
  }

  /** When a drip reward leaves `scheduled`: its `ready_at`. */
  public readyAt(reward: number): number {
    const shape = this.dripShape(this.rewards.ref[reward]);
    const offsetDays = shape.delayDays + this.dripOccurrence(reward) * shape.cycleDays;
    return this.rewards.createdAt[reward] + offsetDays * DAY_MS;
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

  private serveFuture(time: number, inclusive: boolean): void {
    for (let entry = this.future.popBefore(time, inclusive); entry; entry = this.future.popBefore(time, inclusive)) {
      if (entry.item.kind === 'clawback') this.bookClawback(entry.time, entry.item.value);
      else this.runPayout(entry.time, entry.item.value);
    }
  }

  private bookClawback(at: number, reversed: number): void {
    const table = this.rewards;
    const partnership = table.partnership[reversed];
    const currency = table.currency[reversed];
    const payout = this.payoutOfReward(reversed);
    if (payout.createdAt > at) {
      // Its payout was held back past the refund (or the vendor's finding), so it was never paid: it is declined.
      const refund = table.ref[reversed] >= 0;
      payout.amount -= table.amount[reversed];
      payout.rewards -= 1;
      if (payout.rewards === 0) this.payouts.delete(payout.id);
      table.t2[reversed] = at;
      table.extra[reversed] = DECLINE_REASONS.indexOf(
        refund ? REFUND_DECLINE_REASON : INCORRECT_REWARD_CLAWBACKS.declineReason,
      );
      const outcome = refund ? REWARD_FATE.refundDeclined : REWARD_FATE.declined;
      table.fate[reversed] = (table.fate[reversed] & ~REWARD_FATE.outcomeMask) | outcome;
      return;
    }
    const reward = table.add(at);
    table.ref[reward] = table.ref[reversed];
    table.partnership[reward] = partnership;
    table.currency[reward] = currency;
    table.amount[reward] = -table.amount[reversed];
    table.t1[reward] = at;
    table.fate[reward] = REWARD_FATE.paid | REWARD_FATE.clawback;
    this.reversedBy.set(reward, reversed);
    const key = partnership * CURRENCY_SLOTS + currency;
    const held = this.heldClawbacks.get(key);
    if (held) {
      held.push(reward);
    } else {
      this.heldClawbacks.set(key, [reward]);
      this.future.push(payoutDateAfter(at, this.partnerships[partnership].payoutDay), { kind: 'run', value: key });
    }
  }

  /**
   * A payout run of a program and currency with clawbacks waiting. Every positive reward it pays already exists
   * (they are created weeks before), so the balance is known here: if the payout net of the clawbacks stays above
   * zero it takes them all; otherwise the balance is negative, withdrawals are blocked (§11), and the whole payout
   * is held back to the program's next payout day.
   */
  private runPayout(at: number, key: number): void {
    const held = this.heldClawbacks.get(key)!;
    const partnership = Math.floor(key / CURRENCY_SLOTS);
    const currency = key % CURRENCY_SLOTS;
    const table = this.rewards;
    const payout = this.payouts.get(payoutId(at, partnership, currency));
    const clawedBack = held.reduce((sum, reward) => sum + table.amount[reward], 0);
    if (payout && payout.amount + clawedBack > 0) {
      for (const reward of held) table.t2[reward] = at;
      payout.amount += clawedBack;
      payout.rewards += held.length;
      this.heldClawbacks.delete(key);
      return;
    }
    const next = payoutDateAfter(at, this.partnerships[partnership].payoutDay);
    if (payout) {
      const id = payoutId(next, partnership, currency);
      const later = this.payouts.get(id) ?? { id, createdAt: next, partnership, currency, amount: 0, rewards: 0 };
      later.amount += payout.amount;
      later.rewards += payout.rewards;
      this.payouts.set(id, later);
      this.payouts.delete(payout.id);
      this.heldBack.set(payout.id, id);
    }
    this.future.push(next, { kind: 'run', value: key });
  }

  private lateChance(salt: number, index: number, share: number): boolean {
    return hashUnit(this.shape.seed, salt + 2, index) < share;
  }

  /** Milliseconds after creation, a whole number of days in `window` plus a time of day. */
  private lateOffset(salt: number, index: number, window: { min: number; max: number }): number {
    const days = window.min + (hash32(this.shape.seed, salt, index) % (window.max - window.min + 1));
    return days * DAY_MS + (hash32(this.shape.seed, salt + 1, index) % DAY_MS);
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
        payoutDay: PAYOUT_DAY_OF_MONTH,
        offerVersions: [],
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

  /** Payout days and offer changes, from per-program hashes so that the main stream stays as it was. */
  private planPrograms(): void {
    const seed = this.shape.seed;
    const days = PROGRAM_PAYOUT_DAYS;
    for (const partnership of this.partnerships) {
      const index = partnership.index;
      const roll = hashUnit(seed, PLAN_SALT.payoutDay, index);
      const pick = hash32(seed, PLAN_SALT.payoutDay + 1, index);
      if (roll < days.earlierShare) partnership.payoutDay = days.earlier[pick % days.earlier.length];
      else if (roll < days.earlierShare + days.customShare)
        partnership.payoutDay = days.custom[pick % days.custom.length];

      const versions: OfferVersion[] = [
        { rate: partnership.percentRate, validFrom: partnership.createdAt, validTo: Infinity },
      ];
      if (hashUnit(seed, PLAN_SALT.offerChange, index) < OFFER_CHANGES.share) {
        const changes = 1 + (hash32(seed, PLAN_SALT.offerChange + 1, index) % OFFER_CHANGES.maxChanges);
        let at = this.shape.clockStart;
        for (let change = 1; change <= changes; change++) {
          const window = change === 1 ? OFFER_CHANGES.firstDays : OFFER_CHANGES.gapDays;
          const h = hash32(seed, PLAN_SALT.offerChange + 2, index * 8 + change);
          at += (window.min + (h % (window.max - window.min + 1))) * DAY_MS + (h % 997) * 86_400;
          const previous = versions[versions.length - 1];
          const others = OFFER_RATES.filter((rate) => rate !== previous.rate);
          previous.validTo = at;
          versions.push({
            rate: others[hash32(seed, PLAN_SALT.offerRate, index * 8 + change) % others.length],
            validFrom: at,
            validTo: Infinity,
          });
        }
      }
      partnership.offerVersions = versions;
    }
  }

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

  /**
   * t1: first payment (has_paid from then), t2: archived at; extra: country; currency: the country's. Most
   * archives and removals come within months, a tail of them at any age (LATE_CUSTOMER_*).
   */
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
    if (
      table.t2[index] === Infinity &&
      this.lateChance(LATE_SALT.customerArchive, index, LATE_CUSTOMER_ARCHIVE_SHARE)
    ) {
      table.t2[index] = at + this.lateOffset(LATE_SALT.customerArchive, index, LATE_CUSTOMER_CHANGE_DAYS);
    }
    if (
      table.vanishAt[index] === Infinity &&
      this.lateChance(LATE_SALT.customerRemoval, index, LATE_CUSTOMER_REMOVAL_SHARE)
    ) {
      table.vanishAt[index] = at + this.lateOffset(LATE_SALT.customerRemoval, index, LATE_CUSTOMER_CHANGE_DAYS);
    }
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
    if (rng.chance(EARLY_REFUND_SHARE)) {
      table.t1[index] = at + rng.int(EARLY_REFUND_DAYS.min, EARLY_REFUND_DAYS.max) * DAY_MS + rng.int(0, DAY_MS - 1);
    } else if (this.lateChance(LATE_SALT.refund, index, LATE_REFUND_SHARE)) {
      table.t1[index] = at + this.lateOffset(LATE_SALT.refund, index, LATE_REFUND_DAYS);
    }
    if (rng.chance(0.002)) table.vanishAt[index] = at + rng.int(1, 60) * DAY_MS;
    if (this.customers.t1[customer] > at) this.customers.t1[customer] = at;
    if (rng.chance(TRANSACTION_REWARD_SHARE)) {
      const partnership = this.partnerships[table.partnership[index]];
      const reward = this.rewards.add(at);
      const stale = this.keepsReplacedRate(partnership.index, at, reward);
      const version = this.offerVersionAt(partnership.index, at) - (stale ? 1 : 0);
      const rate = partnership.offerVersions[version].rate;
      const total = Math.max(1, Math.round((table.amount[index] * rate) / 100));
      const drip = rng.chance(DRIP_REWARDS.share);
      const shape = drip ? this.dripShape(index) : { delayDays: 0, cycleDays: 0, occurrences: 1 };
      const flags = (drip ? REWARD_FATE.drip : 0) | (stale ? REWARD_FATE.staleRate : 0);
      const share = Math.floor(total / shape.occurrences);
      for (let occurrence = 0; occurrence < shape.occurrences; occurrence++) {
        const current = occurrence === 0 ? reward : this.rewards.add(at);
        this.rewards.ref[current] = index;
        this.rewards.partnership[current] = partnership.index;
        this.rewards.currency[current] = currency;
        this.rewards.amount[current] = occurrence === shape.occurrences - 1 ? total - share * occurrence : share;
        const start = at + (shape.delayDays + occurrence * shape.cycleDays) * DAY_MS;
        if (occurrence === 0) this.decideRewardFate(current, at, start, table.t1[index], flags);
        else this.decideOccurrenceFate(current, at, start, table.t1[index], flags);
      }
    }
  }

  /** Whether a reward planted as a vendor error keeps the rate an increase replaced (STALE_OFFER_REWARDS). */
  private keepsReplacedRate(partnership: number, at: number, reward: number): boolean {
    const version = this.offerVersionAt(partnership, at);
    if (version === 0) return false;
    const versions = this.partnerships[partnership].offerVersions;
    return (
      versions[version].rate > versions[version - 1].rate &&
      at - versions[version].validFrom < STALE_OFFER_REWARDS.days * DAY_MS &&
      hashUnit(this.shape.seed, PLAN_SALT.staleRate, reward) < STALE_OFFER_REWARDS.share
    );
  }

  private addOneOffReward(at: number): void {
    const partnership = this.partnerships[this.pickPartnership(at)];
    const reward = this.rewards.add(at);
    this.rewards.partnership[reward] = partnership.index;
    this.rewards.currency[reward] = partnership.currency;
    this.rewards.amount[reward] = partnership.flatAmount || 5000;
    this.decideRewardFate(reward, at, at, Infinity, REWARD_FATE.oneOff);
  }

  /**
   * t1: approved at, t2: paid at (payout run) or declined at, t3: put on hold at; extra: decline reason.
   * A drip reward's review starts at `start`, when it leaves `scheduled`. A refund before payout declines the
   * reward; after payout it books a clawback at the refund.
   */
  private decideRewardFate(reward: number, at: number, start: number, refundAt: number, flags: number): void {
    const rng = this.rng;
    const table = this.rewards;
    const payoutDay = this.partnerships[table.partnership[reward]].payoutDay;
    let declinedAt = Infinity;
    let reason = 0;
    let approvedAt = Infinity;
    if (rng.chance(0.08)) {
      declinedAt = start + rng.int(2, 20) * DAY_MS + rng.int(0, DAY_MS - 1);
      reason = DECLINE_REASONS.indexOf(rng.pick(OTHER_DECLINE_REASONS));
    } else {
      approvedAt = start + rng.int(5, 30) * DAY_MS + rng.int(0, DAY_MS - 1);
      if (rng.chance(0.07)) {
        table.t3[reward] = start + rng.int(1, 4) * DAY_MS;
        approvedAt += rng.int(10, 40) * DAY_MS;
      }
    }
    let paidAt = approvedAt === Infinity ? Infinity : payoutDateAfter(approvedAt + DAY_MS, payoutDay);
    if (this.lateChance(LATE_SALT.rewardOpen, reward, LONG_OPEN_REWARD_SHARE)) {
      const settledAt = at + this.lateOffset(LATE_SALT.rewardOpen, reward, LONG_OPEN_REWARD_DAYS);
      const variant = hash32(this.shape.seed, LATE_SALT.rewardOpenVariant, reward);
      const declined = (variant >>> 8) / 16_777_216 < LONG_OPEN_REWARD_DECLINED_SHARE;
      if (variant % 3 === 2) {
        // Approved in time, but not paid (or declined) until it settles.
        approvedAt = Math.min(approvedAt, start + 30 * DAY_MS, settledAt - DAY_MS);
      } else {
        // Pending, or on hold, until it settles.
        table.t3[reward] = variant % 3 === 1 ? start + (1 + ((variant >>> 4) % 4)) * DAY_MS : Infinity;
        approvedAt = declined ? Infinity : settledAt;
      }
      if (declined) {
        if (declinedAt === Infinity) {
          reason = DECLINE_REASONS.indexOf(OTHER_DECLINE_REASONS[(variant >>> 20) % OTHER_DECLINE_REASONS.length]);
        }
        declinedAt = settledAt;
        paidAt = Infinity;
      } else {
        declinedAt = Infinity;
        paidAt = payoutDateAfter(Math.max(approvedAt + DAY_MS, settledAt), payoutDay);
      }
    }
    table.t1[reward] = approvedAt;
    if (declinedAt !== Infinity) {
      table.t2[reward] = declinedAt;
      table.extra[reward] = reason;
      table.fate[reward] = REWARD_FATE.declined | flags;
    } else {
      this.settle(reward, at, paidAt, refundAt, flags);
    }
  }

  /**
   * The later occurrences of a drip series, decided from per-record hashes (the main stream draws only for the
   * first): approved 5–30 days after leaving `scheduled`, paid on the program's next payout day.
   */
  private decideOccurrenceFate(reward: number, at: number, start: number, refundAt: number, flags: number): void {
    const table = this.rewards;
    const h = hash32(this.shape.seed, PLAN_SALT.dripApproval, reward);
    const approvedAt =
      start + (5 + (h % 26)) * DAY_MS + (hash32(this.shape.seed, PLAN_SALT.dripApproval + 1, reward) % DAY_MS);
    table.t1[reward] = approvedAt;
    const payoutDay = this.partnerships[table.partnership[reward]].payoutDay;
    this.settle(reward, at, payoutDateAfter(approvedAt + DAY_MS, payoutDay), refundAt, flags);
  }

  /** A payable reward: declined by a refund before its payout, else paid then (and clawed back at a later refund). */
  private settle(reward: number, at: number, paidAt: number, refundAt: number, flags: number): void {
    const table = this.rewards;
    let fate: number;
    if (refundAt < paidAt) {
      fate = REWARD_FATE.refundDeclined;
      table.t2[reward] = Math.max(refundAt, at + 1);
      table.extra[reward] = DECLINE_REASONS.indexOf(REFUND_DECLINE_REASON);
    } else {
      fate = refundAt === Infinity ? REWARD_FATE.paid : REWARD_FATE.paidThenRefunded;
      table.t2[reward] = paidAt;
      this.addToPayout(paidAt, table.partnership[reward], table.currency[reward], table.amount[reward]);
      if (refundAt !== Infinity) this.future.push(refundAt, { kind: 'clawback', value: reward });
      if (
        flags & REWARD_FATE.oneOff &&
        this.lateChance(PLAN_SALT.incorrectReward, reward, INCORRECT_REWARD_CLAWBACKS.share)
      ) {
        const foundAt = paidAt + this.lateOffset(PLAN_SALT.incorrectReward, reward, INCORRECT_REWARD_CLAWBACKS.days);
        this.future.push(foundAt, { kind: 'clawback', value: reward });
      }
    }
    table.fate[reward] = fate | flags;
  }

  private addToPayout(paidAt: number, partnership: number, currency: number, amount: number): void {
    const id = payoutId(paidAt, partnership, currency);
    const payout = this.payouts.get(id) ?? { id, createdAt: paidAt, partnership, currency, amount: 0, rewards: 0 };
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

/**
 * Payout ids and dates are asked for hundreds of thousands of times per agency, and `Date` arithmetic dominated
 * generation; so month starts and payout runs are tabulated once (1970 to 2269) and found by arithmetic.
 */
const TABLE_FIRST_YEAR = 1970;
const TABLE_MONTHS = 300 * 12;
const MEAN_MONTH_MS = (365.2425 / 12) * DAY_MS;
const monthStarts = Float64Array.from({ length: TABLE_MONTHS + 1 }, (_, k) => Date.UTC(TABLE_FIRST_YEAR, k, 1));
/** Payout runs per day of the month, tabulated when a program first pays on that day. */
const payoutRunTables = new Map<number, Float64Array>();
function payoutRuns(day: number): Float64Array {
  let runs = payoutRunTables.get(day);
  if (!runs) {
    runs = Float64Array.from({ length: TABLE_MONTHS + 1 }, (_, k) =>
      Date.UTC(TABLE_FIRST_YEAR, k, day, PAYOUT_HOUR_UTC),
    );
    payoutRunTables.set(day, runs);
  }
  return runs;
}

/** Months since January 1970 of `time`. */
function monthIndex(time: number): number {
  let k = Math.floor((time - monthStarts[0]) / MEAN_MONTH_MS);
  if (!(k >= 1 && k < TABLE_MONTHS - 1)) {
    const date = new Date(time);
    return (date.getUTCFullYear() - TABLE_FIRST_YEAR) * 12 + date.getUTCMonth();
  }
  while (monthStarts[k] > time) k--;
  while (monthStarts[k + 1] <= time) k++;
  return k;
}

/** A payout's integer id, and its rewards' `payout_id`: one payout per month, program and currency. */
export function payoutId(paidAt: number, partnership: number, currency: number): number {
  return ((TABLE_FIRST_YEAR * 12 + monthIndex(paidAt)) * PAYOUT_PROGRAM_SLOTS + partnership) * 10 + currency;
}

/** The first payout run on `day` of a month strictly after `time`. */
export function payoutDateAfter(time: number, day: number = PAYOUT_DAY_OF_MONTH): number {
  const k = monthIndex(time);
  if (k >= 0 && k < TABLE_MONTHS) {
    const runs = payoutRuns(day);
    return runs[k] > time ? runs[k] : runs[k + 1];
  }
  const year = TABLE_FIRST_YEAR + Math.floor(k / 12);
  const month = k - Math.floor(k / 12) * 12;
  const run = Date.UTC(year, month, day, PAYOUT_HOUR_UTC);
  return run > time ? run : Date.UTC(year, month + 1, day, PAYOUT_HOUR_UTC);
}
