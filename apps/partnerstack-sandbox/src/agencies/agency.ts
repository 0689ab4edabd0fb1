import { AgencyData, REWARD_FATE } from '../generation/agency-data';
import { EventTable } from '../generation/event-table';
import type { Seed } from '../generation/prng';
import { RecordKeyCodec } from '../generation/record-keys';
import { ListQuery, SandboxStream } from '../api/list-query';
import { CREATED_BOUNDS_INCLUSIVE, CURRENCIES, DAY_MS } from '../sandbox.constants';
import { JsonRecord, RecordViews, rewardState } from './record-views';

export interface FaultSettings {
  /** Requests per minute per token; null or 0: no limit. */
  rateLimitPerMinute: number | null;
  /** Share (0..1) of requests answered with one of `errorStatuses`. */
  errorRate: number;
  errorStatuses: number[];
  latencyMs: number;
  /** Share (0..1) of successful answers whose connection is cut mid-body. */
  cutRate: number;
}

export interface AgencyConfig {
  records: number;
  daysAdvanced: number;
  /** null: decided per token (DEALS_AND_LEADS_VISIBLE_SHARE) or by SANDBOX_DEALS_AND_LEADS. */
  dealsVisible: boolean | null;
  leadsVisible: boolean | null;
  faults: Partial<FaultSettings>;
  /** Loopback URL PartnerStack-style postbacks go to after each advance; null: none. */
  postbackUrl: string | null;
}

export interface Clock {
  clockStart: number;
  historyDays: number;
}

export class UnknownCursorError extends Error {}

export interface ListPage {
  items: JsonRecord[];
  hasMore: boolean;
}

interface Listing {
  lo: number;
  hi: number;
  indexAt(position: number): number;
  positionOfKey(key: string): number | null;
  accept(index: number): boolean;
  render(index: number): JsonRecord;
}

/** One agency: its generated data at the agency's own clock, and how the Partner API lists it. */
export class Agency {
  public readonly data: AgencyData;
  public readonly views: RecordViews;
  private readonly sortCache = new Map<string, { length: number; order: Uint32Array; positions: Uint32Array }>();

  constructor(
    public readonly fingerprint: string,
    public readonly seed: Seed,
    public readonly config: AgencyConfig,
    private readonly clock: Clock,
  ) {
    this.data = new AgencyData({ seed, records: config.records, ...clock });
    this.data.extendTo(this.now);
    this.views = new RecordViews(seed, this.data);
  }

  public get now(): number {
    return this.clock.clockStart + this.config.daysAdvanced * DAY_MS;
  }

  public advance(days: number): void {
    this.config.daysAdvanced += days;
    this.data.extendTo(this.now);
  }

  public list(stream: SandboxStream, query: ListQuery): ListPage {
    const listing = this.listing(stream, query);
    let start = listing.lo;
    let end = listing.hi;
    if (query.startingAfter) start = Math.max(start, this.position(listing, query.startingAfter) + 1);
    if (query.endingBefore) end = Math.min(end, this.position(listing, query.endingBefore));
    const picked: number[] = [];
    if (query.endingBefore) {
      for (let position = end - 1; position >= start && picked.length <= query.limit; position--) {
        const index = listing.indexAt(position);
        if (listing.accept(index)) picked.push(index);
      }
      const hasMore = picked.length > query.limit;
      return {
        items: picked
          .slice(0, query.limit)
          .reverse()
          .map((index) => listing.render(index)),
        hasMore,
      };
    }
    for (let position = start; position < end && picked.length <= query.limit; position++) {
      const index = listing.indexAt(position);
      if (listing.accept(index)) picked.push(index);
    }
    const hasMore = picked.length > query.limit;
    return { items: picked.slice(0, query.limit).map((index) => listing.render(index)), hasMore };
  }

  private position(listing: Listing, key: string): number {
    const position = listing.positionOfKey(key);
    if (position === null) throw new UnknownCursorError(`unknown cursor '${key.slice(0, 40)}'`);
    return position;
  }

  private listing(stream: SandboxStream, query: ListQuery): Listing {
    const now = this.now;
    const { data, views } = this;
    switch (stream) {
      case 'customers':
        return this.tableListing(
          data.customers,
          views.codecs.customers,
          query,
          () => true,
          (i) => views.customer(i, now),
        );
      case 'transactions':
        return this.tableListing(
          data.transactions,
          views.codecs.transactions,
          query,
          () => true,
          (i) => views.transaction(i, now),
        );
      case 'rewards':
        return this.tableListing(data.rewards, views.codecs.rewards, query, this.rewardFilter(query), (i) =>
          views.reward(i, now),
        );
      case 'actions': {
        const customer = query.filters.customer_key;
        const customerIndex = customer === undefined ? null : views.codecs.customers.decode(customer);
        return this.tableListing(
          data.actions,
          views.codecs.actions,
          query,
          (i) => customer === undefined || data.actions.ref[i] === customerIndex,
          (i) => views.action(i, now),
        );
      }
      case 'deals':
        return this.tableListing(
          data.deals,
          views.codecs.deals,
          query,
          () => true,
          (i) => views.deal(i, now),
        );
      case 'leads':
        return this.tableListing(
          data.leads,
          views.codecs.leads,
          query,
          () => true,
          (i) => views.lead(i, now),
        );
      case 'partnerships':
        return this.partnershipListing(query);
      case 'marketplace_programs':
        return this.smallListing(
          data.marketplace.map((program, position) => ({
            key: views.marketplaceKeyOf(position),
            createdAt: program.createdAt,
            updatedAt: program.createdAt,
            render: () => views.marketplaceProgram(position),
            accept: () => !query.filters.category || program.categories.includes(query.filters.category),
          })),
          query,
        );
      case 'payouts':
        return this.smallListing(
          data.payoutsUntil(now).map((payout) => ({
            key: views.codecs.payouts.encode(payout.id),
            createdAt: payout.createdAt,
            updatedAt: payout.createdAt,
            render: () => views.payout(payout, now),
            accept: () => true,
          })),
          query,
        );
    }
  }

  private partnershipListing(query: ListQuery): Listing {
    const now = this.now;
    const hasSubId = query.filters.has_sub_id;
    return this.smallListing(
      this.data.partnerships.map((partnership) => ({
        key: this.views.partnershipKey(partnership.index),
        createdAt: partnership.createdAt,
        updatedAt: this.views.partnershipUpdatedAt(partnership.index, now),
        render: () => this.views.partnership(partnership.index, now, query.includeOffers),
        accept: () =>
          (query.includeArchived || partnership.archivedAt > now) &&
          (hasSubId === undefined || String(partnership.hasSubId) === hasSubId),
      })),
      query,
    );
  }

  private smallListing(
    rows: Array<{ key: string; createdAt: number; updatedAt: number; render(): JsonRecord; accept(): boolean }>,
    query: ListQuery,
  ): Listing {
    const [field, descending] = sortField(query.orderBy);
    const sorted = rows
      .map((row, index) => ({ row, index }))
      .sort((a, b) => {
        const difference =
          field === 'updated_at' ? a.row.updatedAt - b.row.updatedAt : a.row.createdAt - b.row.createdAt;
        return (difference || a.row.createdAt - b.row.createdAt || a.index - b.index) * (descending ? -1 : 1);
      })
      .map(({ row }) => row);
    const window = createdWindow(query);
    return {
      lo: 0,
      hi: sorted.length,
      indexAt: (position) => position,
      positionOfKey: (key) => {
        const position = sorted.findIndex((row) => row.key === key);
        return position < 0 ? null : position;
      },
      accept: (position) => window(sorted[position].createdAt) && sorted[position].accept(),
      render: (position) => sorted[position].render(),
    };
  }

  private tableListing(
    table: EventTable,
    codec: RecordKeyCodec,
    query: ListQuery,
    accept: (index: number) => boolean,
    render: (index: number) => JsonRecord,
  ): Listing {
    const now = this.now;
    const count = table.lowerBound(now, true);
    const first = query.minCreated === undefined ? 0 : table.lowerBound(query.minCreated, !CREATED_BOUNDS_INCLUSIVE);
    const last =
      query.maxCreated === undefined
        ? count
        : Math.min(count, table.lowerBound(query.maxCreated, CREATED_BOUNDS_INCLUSIVE));
    const visible = (index: number) => table.vanishAt[index] > now && accept(index);
    const keyIndex = (key: string) => {
      const index = codec.decode(key);
      return index === null || index >= count ? null : index;
    };
    if (query.orderBy === 'created_at') {
      return {
        lo: first,
        hi: Math.max(first, last),
        indexAt: (p) => p,
        positionOfKey: keyIndex,
        accept: visible,
        render,
      };
    }
    if (query.orderBy === '-created_at') {
      return {
        lo: count - Math.max(first, last),
        hi: count - first,
        indexAt: (position) => count - 1 - position,
        positionOfKey: (key) => {
          const index = keyIndex(key);
          return index === null ? null : count - 1 - index;
        },
        accept: visible,
        render,
      };
    }
    const { order, positions } = this.sorted(table, query.orderBy, count);
    const window = createdWindow(query);
    return {
      lo: 0,
      hi: count,
      indexAt: (position) => order[position],
      positionOfKey: (key) => {
        const index = keyIndex(key);
        return index === null ? null : positions[index];
      },
      accept: (index) => window(table.createdAt[index]) && visible(index),
      render,
    };
  }

  /** Rewards by amount or ready_at (ties by creation order), cached until the table grows. */
  private sorted(table: EventTable, orderBy: string, count: number) {
    const cached = this.sortCache.get(orderBy);
    if (cached && cached.length === count) return cached;
    const [field, descending] = sortField(orderBy);
    const value = field === 'amount' ? table.amount : this.readyValues(count);
    const order = new Uint32Array(count);
    for (let index = 0; index < count; index++) order[index] = index;
    order.sort((a, b) => {
      const difference = value[a] === value[b] ? 0 : value[a] < value[b] ? -1 : 1;
      return (difference || a - b) * (descending ? -1 : 1);
    });
    const positions = new Uint32Array(count);
    for (let position = 0; position < count; position++) positions[order[position]] = position;
    const entry = { length: count, order, positions };
    this.sortCache.set(orderBy, entry);
    return entry;
  }

  /** Each reward's `ready_at` as a number, Infinity for null (sorted last, as before). */
  private readyValues(count: number): Float64Array {
    const values = new Float64Array(count);
    for (let index = 0; index < count; index++) values[index] = this.views.readyAt(index) ?? Infinity;
    return values;
  }

  private rewardFilter(query: ListQuery): (index: number) => boolean {
    const { data, views } = this;
    const now = this.now;
    const filters = query.filters;
    const checks: Array<(index: number) => boolean> = [];
    const table = data.rewards;
    if (filters.status !== undefined) checks.push((i) => rewardState(data, i, now).status === filters.status);
    if (filters.payment_status !== undefined) {
      checks.push((i) => rewardState(data, i, now).paymentStatus === filters.payment_status);
    }
    if (filters.decline_reason !== undefined) {
      checks.push((i) => rewardState(data, i, now).declineReason === filters.decline_reason);
    }
    if (filters.currency !== undefined) {
      const currency = CURRENCIES.indexOf(filters.currency.toUpperCase() as (typeof CURRENCIES)[number]);
      checks.push((i) => table.currency[i] === currency);
    }
    if (filters.customer_key !== undefined) {
      const customer = views.codecs.customers.decode(filters.customer_key);
      checks.push((i) => table.ref[i] >= 0 && data.transactions.ref[table.ref[i]] === customer);
    }
    if (filters.company_key !== undefined) {
      checks.push((i) => views.company(table.partnership[i]).key === filters.company_key);
    }
    if (filters.group_key !== undefined) checks.push((i) => views.groupKey(table.partnership[i]) === filters.group_key);
    if (filters.description !== undefined) checks.push((i) => views.rewardDescription(i) === filters.description);
    if (filters.exclude_drip_rewards === 'true') checks.push((i) => (table.fate[i] & REWARD_FATE.drip) === 0);
    if (filters.hide_archived_rewards === 'true') {
      checks.push((i) => table.ref[i] < 0 || data.transactions.t1[table.ref[i]] > now);
    }
    if (filters.keywords !== undefined) {
      const needle = filters.keywords.toLowerCase();
      checks.push((i) => {
        if (views.codecs.rewards.encode(i).toLowerCase().includes(needle)) return true;
        if (table.ref[i] < 0) return false;
        const customer = data.transactions.ref[table.ref[i]];
        const haystack = `${views.customerName(customer)} ${views.customerEmail(customer) ?? ''}`.toLowerCase();
        return haystack.includes(needle);
      });
    }
    return (index) => checks.every((check) => check(index));
  }
}

function sortField(orderBy: string): [string, boolean] {
  return orderBy.startsWith('-') ? [orderBy.slice(1), true] : [orderBy, false];
}

function createdWindow(query: ListQuery): (createdAt: number) => boolean {
  const { minCreated, maxCreated } = query;
  return (createdAt) =>
    (minCreated === undefined || (CREATED_BOUNDS_INCLUSIVE ? createdAt >= minCreated : createdAt > minCreated)) &&
    (maxCreated === undefined || (CREATED_BOUNDS_INCLUSIVE ? createdAt <= maxCreated : createdAt < maxCreated));
}
