import type { PartnerStackStream } from '@pp/contracts';

export type { PartnerStackStream } from '@pp/contracts';

/** Any record of any stream: `key` is guaranteed, everything else is kept as PartnerStack sent it. */
export interface PartnerStackRecord {
  key: string;
  created_at?: number;
  updated_at?: number;
  [field: string]: unknown;
}

export interface Page<T = PartnerStackRecord> {
  items: T[];
  hasMore: boolean;
}

export interface RequestEvent {
  stream: string | null;
  status: number | null;
  attempt: number;
  durationMs: number;
  rateLimited: boolean;
  error?: string;
}

/** Decides when a request for a token may go out; shared pacers (e.g. PostgreSQL-backed) span several workers. */
export interface RequestPacer {
  acquire(tokenFingerprint: string): Promise<void>;
}

export interface PartnerStackClientOptions {
  /** PartnerStack API base including `/api/v2` (from `PARTNERSTACK_API_URL`). */
  baseUrl: string;
  /** Pace of the default in-process pacer, per token. Ignored when `pacer` is given. */
  requestsPerMinute?: number;
  /** Attempts per request, the first included, before a typed error. */
  maxAttempts?: number;
  /** Per attempt. */
  timeoutMs?: number;
  pacer?: RequestPacer;
  onRequest?: (event: RequestEvent) => void;
  /** First retry delay; later ones double (full jitter) up to `backoffCapMs`. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

export type SortOrder<F extends string> = F | `-${F}`;

export interface PaginationParams {
  /** 1..250; the API defaults to 10. */
  limit?: number;
  starting_after?: string;
  ending_before?: string;
}

export interface CreatedWindowParams {
  /** Epoch milliseconds. */
  min_created?: number;
  max_created?: number;
}

export interface PartnershipListParams extends PaginationParams {
  order_by?: SortOrder<'created_at' | 'updated_at'>;
  has_sub_id?: boolean | null;
  include_offers?: boolean;
  include_archived?: boolean;
}

export interface CustomerListParams extends PaginationParams, CreatedWindowParams {
  order_by?: SortOrder<'created_at'>;
}

export type TransactionListParams = CustomerListParams;
export type PayoutListParams = CustomerListParams;

export interface ActionListParams extends CustomerListParams {
  customer_key?: string;
}

export interface RewardListParams extends PaginationParams, CreatedWindowParams {
  order_by?: SortOrder<'created_at' | 'amount' | 'ready_at'>;
  /** Reward status (`pending`, `approved`, ...). */
  status?: string;
  payment_status?: string;
  company_key?: string;
  group_key?: string;
  customer_key?: string;
  invoice_key?: string;
  keywords?: string;
  description?: string;
  distinct_description?: boolean;
  distinct_decline_reason?: boolean;
  decline_reason?: string;
  exclude_drip_rewards?: boolean;
  hide_archived_rewards?: boolean;
  empty_line_id?: boolean;
  invoiceable?: boolean;
  currency?: string;
}

export interface MarketplaceProgramListParams extends PaginationParams, CreatedWindowParams {
  category?: string;
}

/** Deals and leads are vendor-documented; the partner view (when served) takes the vendor's window filters. */
export interface DealListParams extends PaginationParams, CreatedWindowParams {
  min_updated?: number;
  max_updated?: number;
  order_by?: SortOrder<'created_at'>;
}
export type LeadListParams = DealListParams;

export interface StreamParams {
  partnerships: PartnershipListParams;
  customers: CustomerListParams;
  transactions: TransactionListParams;
  rewards: RewardListParams;
  payouts: PayoutListParams;
  actions: ActionListParams;
  marketplace_programs: MarketplaceProgramListParams;
  deals: DealListParams;
  leads: LeadListParams;
}

/** Every documented filter of every endpoint; an endpoint ignores the ones it does not know. */
export type ListParams = PartnershipListParams &
  CustomerListParams &
  ActionListParams &
  Omit<RewardListParams, 'order_by'> &
  MarketplaceProgramListParams &
  DealListParams & { order_by?: string };

export interface CompanyRef {
  id?: number;
  key?: string;
  name?: string;
  [field: string]: unknown;
}

/**
 * One offer in force (partnerstack-api.md §4.1 [D]). A vendor changes an offer by deleting it and creating a new
 * one (§11 [C]), so an offer's `key` [I] names one version of the terms and `created_at` [I] is when that version
 * began; open question: whether offers really carry stable keys.
 */
export interface PartnershipOffer {
  key?: string;
  created_at?: number;
  type?: string;
  base_rate?: number | string;
  currency?: string;
  description?: string;
}

/** [I] A drip reward's place in its series (§11 [C]: a delay, a cycle length and a number of occurrences). */
export interface RewardDrip {
  /** From 1. */
  occurrence?: number;
  occurrences?: number;
  delay_days?: number;
  cycle_days?: number;
}

export interface PartnershipRecord extends PartnerStackRecord {
  status?: string;
  claimed?: boolean;
  is_archived?: boolean;
  has_sub_id?: boolean;
  company?: CompanyRef;
  group?: { key?: string; name?: string; slug?: string; [field: string]: unknown } | null;
  link?: { url?: string; [field: string]: unknown } | null;
  offers?: PartnershipOffer[];
  team?: { key?: string; name?: string; [field: string]: unknown } | null;
}

export interface CustomerRecord extends PartnerStackRecord {
  customer_key?: string | null;
  email?: string | null;
  name?: string | null;
  archived?: boolean;
  has_paid?: boolean;
  country_iso?: string | null;
  partnership_key?: string;
  shared_id?: string | null;
  sub_ids?: string[];
  company?: CompanyRef;
}

export interface TransactionRecord extends PartnerStackRecord {
  amount?: number;
  amount_usd?: number;
  currency?: string;
  archived?: boolean;
  category_key?: string | null;
  product_key?: string | null;
  partnership_key?: string;
  company?: CompanyRef;
  customer?: { key?: string; sub_ids?: string[]; [field: string]: unknown };
}

export interface RewardRecord extends PartnerStackRecord {
  amount?: number;
  currency?: string;
  description?: string | null;
  reward_status?: string;
  payment_status?: string | null;
  withdrawn?: boolean;
  partnership_key?: string;
  company?: CompanyRef;
  customer?: { key?: string; email?: string | null; name?: string | null; [field: string]: unknown } | null;
  source?: { type?: string; key?: string | null } | null;
  transaction?: Record<string, unknown> | null;
  decline_reason?: string | null;
  payment_date?: number | null;
  payout_id?: number | null;
  ready_at?: number | null;
  /** [I] null or absent on rewards that are not drip rewards. */
  drip?: RewardDrip | null;
}

export interface PayoutRecord extends PartnerStackRecord {
  amount?: number;
  currency?: string;
  status?: string;
  provider?: Record<string, unknown>;
  sent_at?: number | null;
  withdrawal_date?: number | null;
  /** [I] A withdrawal is one program's (§11 [C]: balances and withdrawals are per program). */
  partnership_key?: string;
  company?: CompanyRef;
}

export interface ActionRecord extends PartnerStackRecord {
  archived?: boolean;
  type?: string;
  value?: number;
  partnership_key?: string;
  company?: CompanyRef;
  customer?: { key?: string; sub_ids?: string[] } | null;
}

export interface MarketplaceProgramRecord extends PartnerStackRecord {
  id?: number;
  name?: string;
  description?: string;
  category?: string[];
  country?: string;
  website?: string;
  has_sub_id?: boolean;
  offers?: Array<Record<string, unknown>>;
  promotions?: Array<Record<string, unknown>>;
}

export interface DealRecord extends PartnerStackRecord {
  account_name?: string;
  amount?: number;
  close_date?: string | null;
  stage?: string;
  lost_reason?: string | null;
}

export interface LeadRecord extends PartnerStackRecord {
  amount?: number;
  approved?: boolean;
  status?: string;
}

export interface StreamRecords {
  partnerships: PartnershipRecord;
  customers: CustomerRecord;
  transactions: TransactionRecord;
  rewards: RewardRecord;
  payouts: PayoutRecord;
  actions: ActionRecord;
  marketplace_programs: MarketplaceProgramRecord;
  deals: DealRecord;
  leads: LeadRecord;
}

export type RecordOf<S extends PartnerStackStream> = StreamRecords[S];
