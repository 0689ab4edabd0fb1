import { hash32, hashPick, hashUnit, Seed } from '../generation/prng';
import { AgencyData, DEAL_FATE, LEAD_OUTCOMES, Payout, REWARD_FATE } from '../generation/agency-data';
import { opaqueKey, RecordKeyCodec } from '../generation/record-keys';
import {
  ACTION_TYPES,
  BUSINESS_SUFFIXES,
  COMPANY_NAMES,
  COUNTRIES,
  DEAL_LOST_REASONS,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  GROUP_NAMES,
  LAST_NAMES,
  PAYOUT_PROVIDERS,
  PRODUCTS,
  SUB_IDS,
} from '../generation/vocabulary';
import {
  CLAWBACK_DESCRIPTION,
  CURRENCIES,
  DAY_MS,
  DECLINE_REASONS,
  INCORRECT_REWARD_CLAWBACKS,
  KEY_PREFIXES,
  USD_CENTS_PER_MINOR_UNIT,
} from '../sandbox.constants';

export type JsonRecord = Record<string, unknown> & { key: string; created_at: number; updated_at: number };

const SALT = {
  customers: 1,
  transactions: 2,
  rewards: 3,
  actions: 4,
  deals: 5,
  leads: 6,
  payouts: 7,
  partnerships: 8,
  marketplace_programs: 9,
  group: 10,
  team: 11,
  offer: 12,
  logo: 13,
  offerVersion: 14,
  customerName: 20,
  customerEmail: 21,
  customerSubIds: 22,
  customerExternal: 23,
  dealNames: 24,
} as const;

export interface RewardState {
  status: string;
  paymentStatus: string | null;
  updatedAt: number;
  declineReason: string | null;
  paidAt: number | null;
  payoutId: number | null;
}

export function latest(now: number, base: number, ...changes: number[]): number {
  let result = base;
  for (const change of changes) if (change <= now && change > result) result = change;
  return result;
}

/** A reward's state at `now`, from the fate decided when it was created. */
export function rewardState(data: AgencyData, index: number, now: number): RewardState {
  const table = data.rewards;
  const createdAt = table.createdAt[index];
  const fate = table.fate[index];
  const outcome = fate & REWARD_FATE.outcomeMask;
  const state: RewardState = {
    status: 'pending',
    paymentStatus: null,
    updatedAt: createdAt,
    declineReason: null,
    paidAt: null,
    payoutId: null,
  };
  const declines = outcome === REWARD_FATE.declined || outcome === REWARD_FATE.refundDeclined;
  let endAt = table.t2[index];
  if (fate & REWARD_FATE.drip) {
    const readyAt = data.readyAt(index);
    // A refund declines the occurrences of a series that are still scheduled at once.
    if (now < readyAt && !(declines && endAt <= now)) return { ...state, status: 'scheduled' };
    if (now >= readyAt) state.updatedAt = readyAt;
  }
  const holdAt = table.t3[index];
  if (holdAt <= now) Object.assign(state, { status: 'hold', updatedAt: holdAt });
  const approvedAt = table.t1[index];
  const payout = !declines && Number.isFinite(endAt) ? data.payoutOfReward(index) : null;
  if (payout) endAt = payout.createdAt;
  if (approvedAt <= now && approvedAt < endAt) {
    Object.assign(state, { status: 'approved', paymentStatus: 'available', updatedAt: approvedAt });
  }
  if (declines) {
    if (endAt <= now) {
      Object.assign(state, {
        status: 'declined',
        paymentStatus: null,
        updatedAt: endAt,
        declineReason: DECLINE_REASONS[table.extra[index]],
      });
    }
    return state;
  }
  if (endAt <= now) {
    Object.assign(state, {
      status: 'paid',
      paymentStatus: now < endAt + DAY_MS ? 'in_transit' : 'withdrawn',
      updatedAt: now < endAt + DAY_MS ? endAt : endAt + DAY_MS,
      paidAt: endAt,
      payoutId: payout!.id,
    });
    if (outcome === REWARD_FATE.paidThenRefunded) {
      // A refund while the payment is still in transit ends it too: the refund is the last word.
      const refundAt = data.transactions.t1[table.ref[index]];
      if (refundAt <= now) Object.assign(state, { paymentStatus: 'paid_and_refunded', updatedAt: refundAt });
    }
  }
  return state;
}

export function percentOfferDescription(rate: number): string {
  return `${rate}% of every payment for 12 months`;
}

export function amountUsd(amount: number, currency: number): number {
  return Math.round(amount * USD_CENTS_PER_MINOR_UNIT[CURRENCIES[currency]]);
}

/** Renders records as PartnerStack's Partner API shows them (partnerstack-api.md §4.1), extra fields included. */
export class RecordViews {
  public readonly codecs;

  constructor(
    private readonly seed: Seed,
    private readonly data: AgencyData,
  ) {
    const codec = (stream: keyof typeof KEY_PREFIXES & keyof typeof SALT) =>
      new RecordKeyCodec(seed, KEY_PREFIXES[stream], SALT[stream]);
    this.codecs = {
      customers: codec('customers'),
      transactions: codec('transactions'),
      rewards: codec('rewards'),
      actions: codec('actions'),
      deals: codec('deals'),
      leads: codec('leads'),
      payouts: codec('payouts'),
      partnerships: codec('partnerships'),
    };
  }

  public companyKey(companyIndex: number): string {
    return opaqueKey(this.seed, KEY_PREFIXES.marketplace_programs, SALT.marketplace_programs, companyIndex);
  }

  public groupKey(partnership: number): string {
    return opaqueKey(this.seed, KEY_PREFIXES.group, SALT.group, this.data.partnerships[partnership].groupIndex);
  }

  public company(partnership: number) {
    const { companyIndex, companyId } = this.data.partnerships[partnership];
    return { id: companyId, key: this.companyKey(companyIndex), name: COMPANY_NAMES[companyIndex] };
  }

  public partnershipKey(partnership: number): string {
    return this.codecs.partnerships.encode(partnership);
  }

  public partnership(index: number, now: number, includeOffers: boolean): JsonRecord {
    const partnership = this.data.partnerships[index];
    const archived = partnership.archivedAt <= now;
    const group = GROUP_NAMES[partnership.groupIndex];
    const company = this.company(index);
    const slug = company.name.toLowerCase().replace(/[^a-z0-9]+/g, '');
    const record: JsonRecord = {
      key: this.partnershipKey(index),
      created_at: partnership.createdAt,
      updated_at: this.partnershipUpdatedAt(index, now),
      status: 'active',
      claimed: partnership.claimed,
      is_archived: archived,
      has_sub_id: partnership.hasSubId,
      company,
      group: { key: this.groupKey(index), name: group, slug: group.toLowerCase().replace(/\s+/g, '') },
      link: { url: `https://${slug || 'program'}.partnerlinks.io/agency-${(this.seed[0] % 9000) + 1000}` },
      team: { key: opaqueKey(this.seed, KEY_PREFIXES.team, SALT.team, 0), name: 'Agency' },
      joined_at: partnership.createdAt,
      tags: [],
    };
    if (includeOffers) record.offers = this.offers(index, now);
    return record;
  }

  /** The last change by `now`: archiving, or an offer replaced (OFFER_CHANGES). */
  public partnershipUpdatedAt(index: number, now: number): number {
    const partnership = this.data.partnerships[index];
    const offer = partnership.offerVersions[this.data.offerVersionAt(index, now)];
    return latest(now, partnership.updatedAt, partnership.archivedAt, offer.validFrom);
  }

  /** The key of a version of a program's percentage offer; the first keeps the key it always had. */
  public percentOfferKey(partnership: number, version: number): string {
    return version === 0
      ? opaqueKey(this.seed, KEY_PREFIXES.offer, SALT.offer, partnership * 2)
      : opaqueKey(this.seed, KEY_PREFIXES.offer, SALT.offerVersion, partnership * 8 + version);
  }

  public flatOfferKey(partnership: number): string {
    return opaqueKey(this.seed, KEY_PREFIXES.offer, SALT.offer, partnership * 2 + 1);
  }

  /** The offers in force at `now`; `created_at` [I] is when the offer was created (the join, for the first). */
  public offers(index: number, now: number) {
    const partnership = this.data.partnerships[index];
    const currency = CURRENCIES[partnership.currency];
    const version = this.data.offerVersionAt(index, now);
    const { rate, validFrom } = partnership.offerVersions[version];
    const offers: Record<string, unknown>[] = [
      {
        key: this.percentOfferKey(index, version),
        created_at: validFrom,
        type: 'revenue_share',
        base_rate: rate,
        currency,
        description: percentOfferDescription(rate),
      },
    ];
    if (partnership.flatAmount > 0) {
      offers.push({
        key: this.flatOfferKey(index),
        created_at: partnership.createdAt,
        type: 'flat',
        base_rate: partnership.flatAmount / 100,
        currency,
        description: `${partnership.flatAmount / 100} ${currency} per qualified signup`,
      });
    }
    return offers;
  }

  public marketplaceKeyOf(position: number): string {
    return this.companyKey(this.data.marketplace[position].companyIndex);
  }

  public marketplaceProgram(position: number): JsonRecord {
    const program = this.data.marketplace[position];
    const name = COMPANY_NAMES[program.companyIndex];
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '');
    return {
      key: this.companyKey(program.companyIndex),
      id: program.companyId,
      created_at: program.createdAt,
      updated_at: program.createdAt,
      name,
      description: `${name}: software for growing businesses`,
      category: program.categories,
      country: program.country,
      website: `https://${slug || 'program'}.example`,
      logo: opaqueKey(this.seed, KEY_PREFIXES.file, SALT.logo, program.companyIndex),
      has_sub_id: program.hasSubId,
      offers: [
        {
          base_rate: String(program.baseRate),
          currency: CURRENCIES[program.currency],
          description: `${program.baseRate}% for 12 months`,
          type_: 'revenue_share',
        },
      ],
      promotions: [],
    };
  }

  public customerName(index: number): string {
    const h = hash32(this.seed, SALT.customerName, index);
    const first = FIRST_NAMES[h % FIRST_NAMES.length];
    const last = LAST_NAMES[(h >>> 8) % LAST_NAMES.length];
    return (h >>> 20) % 3 === 0
      ? `${last} ${BUSINESS_SUFFIXES[(h >>> 12) % BUSINESS_SUFFIXES.length]}`
      : `${first} ${last}`;
  }

  /** undefined: the field is absent; null: present but empty. */
  public customerEmail(index: number): string | null | undefined {
    const roll = hashUnit(this.seed, SALT.customerEmail, index);
    if (roll < 0.04) return undefined;
    if (roll < 0.1) return null;
    const h = hash32(this.seed, SALT.customerName, index);
    const local = `${FIRST_NAMES[h % FIRST_NAMES.length]}.${LAST_NAMES[(h >>> 8) % LAST_NAMES.length]}`.toLowerCase();
    const ascii = roll < 0.6 ? local.normalize('NFD').replace(/[^\x20-\x7e]/g, '') : local;
    return `${ascii}${index % 97}@${hashPick(this.seed, SALT.customerEmail + 100, index, EMAIL_DOMAINS)}`;
  }

  public customerSubIds(index: number): string[] {
    const h = hash32(this.seed, SALT.customerSubIds, index);
    if (h % 3 === 0) return [];
    return h % 7 === 0
      ? [SUB_IDS[h % SUB_IDS.length], SUB_IDS[(h >>> 5) % SUB_IDS.length]]
      : [SUB_IDS[h % SUB_IDS.length]];
  }

  public customer(index: number, now: number): JsonRecord {
    const table = this.data.customers;
    const createdAt = table.createdAt[index];
    const partnership = table.partnership[index];
    const external = hash32(this.seed, SALT.customerExternal, index);
    const record: JsonRecord = {
      key: this.codecs.customers.encode(index),
      created_at: createdAt,
      updated_at: latest(now, createdAt, table.t1[index], table.t2[index]),
      customer_key: external % 4 === 0 ? null : `shop_${external % 1_000_000}`,
      name: this.customerName(index),
      archived: table.t2[index] <= now,
      has_paid: table.t1[index] <= now,
      country_iso: COUNTRIES[table.extra[index]][0],
      partnership_key: this.partnershipKey(partnership),
      shared_id: null,
      sub_ids: this.customerSubIds(index),
      company: this.company(partnership),
      source_type: external % 5 === 0 ? 'api' : 'link',
      test: false,
      meta: { sandbox_region: COUNTRIES[table.extra[index]][0].toLowerCase() },
    };
    const email = this.customerEmail(index);
    if (email !== undefined) record.email = email;
    return record;
  }

  public transactionSummary(index: number, now: number) {
    const table = this.data.transactions;
    const [categoryKey, productKey] = PRODUCTS[table.extra[index]];
    return {
      amount: table.amount[index],
      amount_usd: amountUsd(table.amount[index], table.currency[index]),
      currency: CURRENCIES[table.currency[index]],
      archived: table.t1[index] <= now,
      category_key: categoryKey,
      product_key: productKey,
      created_at: table.createdAt[index],
      updated_at: latest(now, table.createdAt[index], table.t1[index]),
    };
  }

  public transaction(index: number, now: number): JsonRecord {
    const table = this.data.transactions;
    const customer = table.ref[index];
    return {
      key: this.codecs.transactions.encode(index),
      ...this.transactionSummary(index, now),
      partnership_key: this.partnershipKey(table.partnership[index]),
      company: this.company(table.partnership[index]),
      customer: { key: this.codecs.customers.encode(customer), sub_ids: this.customerSubIds(customer) },
      approved: true,
      extension: null,
    };
  }

  public rewardDescription(index: number): string {
    const table = this.data.rewards;
    if (table.fate[index] & REWARD_FATE.oneOff) return 'Flat reward for a qualified signup';
    if (table.fate[index] & REWARD_FATE.clawback) {
      const reversed = this.data.reversedReward(index);
      const key = this.codecs.rewards.encode(reversed);
      return table.ref[reversed] >= 0
        ? CLAWBACK_DESCRIPTION(key)
        : CLAWBACK_DESCRIPTION(key, INCORRECT_REWARD_CLAWBACKS.reason);
    }
    return percentOfferDescription(this.data.rewardRate(index));
  }

  /** `ready_at` [I]: when a drip reward leaves `scheduled`; for the others, when the reward is approved. */
  public readyAt(index: number): number | null {
    const table = this.data.rewards;
    if (table.fate[index] & REWARD_FATE.drip) return this.data.readyAt(index);
    return Number.isFinite(table.t1[index]) ? table.t1[index] : null;
  }

  /** The drip series a reward belongs to (DRIP_REWARDS), null for other rewards. */
  public drip(index: number) {
    const table = this.data.rewards;
    if (!(table.fate[index] & REWARD_FATE.drip)) return null;
    const shape = this.data.dripShape(table.ref[index]);
    return {
      occurrence: this.data.dripOccurrence(index) + 1,
      occurrences: shape.occurrences,
      delay_days: shape.delayDays,
      cycle_days: shape.cycleDays,
    };
  }

  public reward(index: number, now: number): JsonRecord {
    const table = this.data.rewards;
    const state = rewardState(this.data, index, now);
    const transaction = table.ref[index];
    const partnership = table.partnership[index];
    const customerIndex = transaction >= 0 ? this.data.transactions.ref[transaction] : -1;
    const customers = this.data.customers;
    return {
      key: this.codecs.rewards.encode(index),
      created_at: table.createdAt[index],
      updated_at: state.updatedAt,
      amount: table.amount[index],
      currency: CURRENCIES[table.currency[index]],
      description: this.rewardDescription(index),
      reward_status: state.status,
      payment_status: state.paymentStatus,
      withdrawn: state.paidAt !== null,
      partnership_key: this.partnershipKey(partnership),
      company: this.company(partnership),
      customer:
        customerIndex >= 0
          ? {
              key: this.codecs.customers.encode(customerIndex),
              email: this.customerEmail(customerIndex) ?? null,
              name: this.customerName(customerIndex),
              shared_id: null,
              sub_ids: this.customerSubIds(customerIndex),
              created_at: customers.createdAt[customerIndex],
              updated_at: latest(
                now,
                customers.createdAt[customerIndex],
                customers.t1[customerIndex],
                customers.t2[customerIndex],
              ),
            }
          : null,
      source:
        transaction >= 0
          ? { type: 'transaction', key: this.codecs.transactions.encode(transaction) }
          : { type: 'manual', key: null },
      transaction: transaction >= 0 ? this.transactionSummary(transaction, now) : null,
      creation_source: transaction >= 0 && !(table.fate[index] & REWARD_FATE.clawback) ? 'trigger' : 'manual',
      decline_reason: state.declineReason,
      payment_date: state.paidAt,
      payout_id: state.payoutId,
      ready_at: this.readyAt(index),
      drip: this.drip(index),
      group: { key: this.groupKey(partnership), name: GROUP_NAMES[this.data.partnerships[partnership].groupIndex] },
    };
  }

  public payout(payout: Payout, now: number): JsonRecord {
    const sent = now >= payout.createdAt + DAY_MS;
    return {
      key: this.codecs.payouts.encode(payout.id),
      id: payout.id,
      created_at: payout.createdAt,
      updated_at: sent ? payout.createdAt + DAY_MS : payout.createdAt,
      amount: payout.amount,
      currency: CURRENCIES[payout.currency],
      provider: { type: PAYOUT_PROVIDERS[payout.id % PAYOUT_PROVIDERS.length] },
      sent_at: payout.createdAt,
      status: sent ? 'successful' : 'processing',
      withdrawal_date: sent ? payout.createdAt + DAY_MS : null,
      reward_count: payout.rewards,
      partnership_key: this.partnershipKey(payout.partnership),
      company: this.company(payout.partnership),
    };
  }

  public action(index: number, now: number): JsonRecord {
    const table = this.data.actions;
    const customer = table.ref[index];
    return {
      key: this.codecs.actions.encode(index),
      created_at: table.createdAt[index],
      updated_at: latest(now, table.createdAt[index], table.t1[index]),
      archived: table.t1[index] <= now,
      type: ACTION_TYPES[table.extra[index]],
      value: table.amount[index],
      partnership_key: this.partnershipKey(table.partnership[index]),
      company: { key: this.company(table.partnership[index]).key, name: this.company(table.partnership[index]).name },
      customer: { key: this.codecs.customers.encode(customer), sub_ids: this.customerSubIds(customer) },
    };
  }

  public deal(index: number, now: number): JsonRecord {
    const table = this.data.deals;
    const createdAt = table.createdAt[index];
    const closed = table.t2[index] <= now;
    const won = table.fate[index] === DEAL_FATE.won;
    const stage = closed ? (won ? 'Closed won' : 'Closed lost') : table.t1[index] <= now ? 'Qualified' : 'Submitted';
    const h = hash32(this.seed, SALT.dealNames, index);
    return {
      key: this.codecs.deals.encode(index),
      created_at: createdAt,
      updated_at: latest(now, createdAt, table.t1[index], table.t2[index]),
      account_name: `${LAST_NAMES[h % LAST_NAMES.length]} ${BUSINESS_SUFFIXES[(h >>> 8) % BUSINESS_SUFFIXES.length]}`,
      amount: table.amount[index],
      currency: CURRENCIES[table.currency[index]],
      close_date: new Date(table.t2[index]).toISOString().slice(0, 10),
      contact_first_name: FIRST_NAMES[(h >>> 4) % FIRST_NAMES.length],
      contact_last_name: LAST_NAMES[(h >>> 12) % LAST_NAMES.length],
      partnership_key: this.partnershipKey(table.partnership[index]),
      group_key: this.groupKey(table.partnership[index]),
      stage,
      lost_reason: closed && !won ? DEAL_LOST_REASONS[table.extra[index]] : null,
      source: 'partner',
      fields: [],
    };
  }

  public lead(index: number, now: number): JsonRecord {
    const table = this.data.leads;
    const createdAt = table.createdAt[index];
    return {
      key: this.codecs.leads.encode(index),
      created_at: createdAt,
      updated_at: latest(now, createdAt, table.t1[index], table.t2[index]),
      amount: table.amount[index],
      currency: CURRENCIES[table.currency[index]],
      approved: table.t1[index] <= now,
      status: table.t2[index] <= now ? LEAD_OUTCOMES[table.fate[index]] : 'open',
      partnership_key: this.partnershipKey(table.partnership[index]),
      group_key: this.groupKey(table.partnership[index]),
      external_key: null,
      fields: [],
    };
  }
}
