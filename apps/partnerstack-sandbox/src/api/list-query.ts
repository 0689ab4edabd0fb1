import {
  CREATED_ORDERS,
  DEFAULT_LIMIT,
  MAX_LIMIT,
  MIN_LIMIT,
  PARTNERSHIP_ORDERS,
  REWARD_ORDERS,
} from '../sandbox.constants';

export type SandboxStream =
  | 'partnerships'
  | 'customers'
  | 'transactions'
  | 'rewards'
  | 'payouts'
  | 'actions'
  | 'marketplace_programs'
  | 'deals'
  | 'leads';

export interface ListQuery {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
  orderBy: string;
  minCreated?: number;
  maxCreated?: number;
  includeOffers: boolean;
  includeArchived: boolean;
  /** Equality and keyword filters, by their query name. */
  filters: Record<string, string>;
}

export class InvalidListQueryError extends Error {}

const ORDERS: Partial<Record<SandboxStream, readonly string[]>> = {
  partnerships: PARTNERSHIP_ORDERS,
  rewards: REWARD_ORDERS,
  customers: CREATED_ORDERS,
  transactions: CREATED_ORDERS,
  payouts: CREATED_ORDERS,
  actions: CREATED_ORDERS,
  deals: CREATED_ORDERS,
  leads: CREATED_ORDERS,
};

/** Filters each endpoint applies; other documented ones are accepted and ignored (partnerstack-api.md §2.1). */
const FILTERS: Partial<Record<SandboxStream, readonly string[]>> = {
  partnerships: ['has_sub_id'],
  rewards: [
    'status',
    'payment_status',
    'customer_key',
    'company_key',
    'group_key',
    'currency',
    'keywords',
    'decline_reason',
    'description',
    'exclude_drip_rewards',
    'hide_archived_rewards',
  ],
  actions: ['customer_key'],
  marketplace_programs: ['category'],
};

const BOOLEAN_FILTERS = new Set([
  'exclude_drip_rewards',
  'hide_archived_rewards',
  'include_offers',
  'include_archived',
]);

function single(raw: unknown, name: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new InvalidListQueryError(`${name} must be given once`);
  return raw;
}

function epochMs(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^-?\d{1,16}$/.test(raw)) throw new InvalidListQueryError(`${name} must be epoch milliseconds`);
  return Number(raw);
}

function bool(raw: string | undefined, name: string): boolean {
  if (raw === undefined || raw === '') return false;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new InvalidListQueryError(`${name} must be true or false`);
}

export function parseListQuery(stream: SandboxStream, query: Record<string, unknown>): ListQuery {
  const value = (name: string) => single(query[name], name);
  const limitText = value('limit');
  let limit = DEFAULT_LIMIT;
  if (limitText !== undefined) {
    if (!/^\d{1,6}$/.test(limitText)) throw new InvalidListQueryError('limit must be an integer');
    limit = Number(limitText);
    if (limit < MIN_LIMIT || limit > MAX_LIMIT) {
      throw new InvalidListQueryError(`limit must be between ${MIN_LIMIT} and ${MAX_LIMIT}`);
    }
  }
  const startingAfter = value('starting_after') || undefined;
  const endingBefore = value('ending_before') || undefined;
  if (startingAfter && endingBefore) {
    throw new InvalidListQueryError('starting_after and ending_before are mutually exclusive');
  }
  const orders = ORDERS[stream];
  const orderBy = value('order_by') ?? '-created_at';
  if (value('order_by') !== undefined && !orders?.includes(orderBy)) {
    throw new InvalidListQueryError(`order_by must be one of ${(orders ?? []).join(', ') || '(none)'}`);
  }
  const minCreated = stream === 'partnerships' ? undefined : epochMs(value('min_created'), 'min_created');
  const maxCreated = stream === 'partnerships' ? undefined : epochMs(value('max_created'), 'max_created');
  const filters: Record<string, string> = {};
  for (const name of FILTERS[stream] ?? []) {
    const filter = value(name);
    if (filter === undefined) continue;
    if (BOOLEAN_FILTERS.has(name)) filters[name] = String(bool(filter, name));
    else filters[name] = filter;
  }
  if (filters.has_sub_id !== undefined && !['true', 'false', 'null'].includes(filters.has_sub_id)) {
    throw new InvalidListQueryError('has_sub_id must be true, false or null');
  }
  return {
    limit,
    startingAfter,
    endingBefore,
    orderBy,
    minCreated,
    maxCreated,
    includeOffers: bool(value('include_offers'), 'include_offers'),
    includeArchived: bool(value('include_archived'), 'include_archived'),
    filters,
  };
}
