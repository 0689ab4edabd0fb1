/**
 * What the sandbox assumes where partnerstack-api.md is inferred [I] or silent. One named constant per
 * assumption, so a correction from the live API changes one line here.
 */

export const API_PREFIX = 'api/v2';
export const ADMIN_PREFIX = 'admin';

/** Tokens the sandbox accepts; each distinct token is its own agency. */
export const SANDBOX_TOKEN_PATTERN = /^sandbox_\S+$/;

/** [C] `limit` is 1..250 with default 10; [I] outside that range we answer 400 rather than clamping. */
export const DEFAULT_LIMIT = 10;
export const MIN_LIMIT = 1;
export const MAX_LIMIT = 250;

/** [I] open question 7: `min_created` and `max_created` both include the bound. */
export const CREATED_BOUNDS_INCLUSIVE = true;

/**
 * [I] open question 7: a cursor that is not a key of this agency's stream answers 400. A key of a record that
 * has since vanished still works: the page continues from where that record was.
 */
export const UNKNOWN_CURSOR_RESPONSE = 400;

/** [C]/[O] where known, [I] for transactions, actions, deals, leads, offers. Prefix + `_` + 14 alphanumerics. */
export const KEY_PREFIXES = {
  partnerships: 'part',
  customers: 'cus',
  transactions: 'tran',
  rewards: 'rwrd',
  payouts: 'pay',
  actions: 'act',
  marketplace_programs: 'co',
  deals: 'deal',
  leads: 'lead',
  group: 'grup',
  team: 'stck',
  offer: 'ofr',
  invoice: 'invo',
  file: 'file',
} as const;
export const KEY_BODY_LENGTH = 14;

/** [I] §4.1: the vendor enum plus `scheduled` (drip rewards). */
export const REWARD_STATUSES = ['scheduled', 'pending', 'hold', 'approved', 'declined', 'paid'] as const;
/** [D] W-rewards; null while a reward is not yet payable [I]. */
export const PAYMENT_STATUSES = [
  'available',
  'in_transit',
  'withdrawn',
  'paid_and_refunded',
  'paid_externally',
  'expired',
  'failed',
  'merging',
] as const;
export const DECLINE_REASONS = [
  'Duplicate customer',
  'Customer refunded',
  'Self-referral',
  'Outside attribution window',
  'Fraudulent activity',
] as const;
/** The decline reason of a reward whose transaction was refunded before payout. */
export const REFUND_DECLINE_REASON = 'Customer refunded';

/** [D] example `successful`; [I] `processing` for the first day. */
export const PAYOUT_STATUSES = ['processing', 'successful'] as const;
/** [C] support article 360009501113: payouts go out on the 13th of the month. */
export const PAYOUT_DAY_OF_MONTH = 13;
export const PAYOUT_HOUR_UTC = 10;

/** [O] vendor vocabulary of deal stages (free text per group) and lead statuses. */
export const DEAL_STAGES = ['Submitted', 'Qualified', 'Closed won', 'Closed lost'] as const;
export const LEAD_STATUSES = ['open', 'closed', 'dead', 'closed won', 'closed lost'] as const;

export const PARTNERSHIP_ORDERS = ['-created_at', 'created_at', '-updated_at', 'updated_at'] as const;
export const CREATED_ORDERS = ['-created_at', 'created_at'] as const;
export const REWARD_ORDERS = ['-created_at', 'created_at', '-amount', 'amount', '-ready_at', 'ready_at'] as const;

/** [I] open question 8: whether partners see deals and leads is open; by default about half the agencies do. */
export const DEALS_AND_LEADS_VISIBLE_SHARE = 0.5;

/** [C] envelope messages. */
export const MESSAGES = {
  page: 'Page returned successfully',
  badRequest: 'Bad Request',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  notFound: 'Not Found',
  tooManyRequests: 'Too many requests',
  serverError: 'Internal Server Error',
  badGateway: 'Bad Gateway',
  unavailable: 'Service Unavailable',
} as const;

/** USD cents per minor unit of each currency (fixed rates, so `amount_usd` is reproducible). JPY has no decimals. */
export const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'JPY'] as const;
export const USD_CENTS_PER_MINOR_UNIT: Readonly<Record<(typeof CURRENCIES)[number], number>> = {
  USD: 1,
  EUR: 1.08,
  GBP: 1.27,
  CAD: 0.73,
  JPY: 0.67,
};

export const DAY_MS = 86_400_000;
