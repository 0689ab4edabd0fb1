import type { PartnerStackStream } from '@pp/contracts';

/**
 * Assumptions about PartnerStack's Partner API that partnerstack-api.md marks as inferred [I] or open.
 * Each lives here once, so a correction from the live API changes one line.
 */

/** Contract default of `PARTNERSTACK_API_URL`. */
export const DEFAULT_PARTNERSTACK_API_URL = 'https://api.partnerstack.com/api/v2';

/** Largest page the API serves [C] (`limit` 1..250); walks always ask for it. */
export const MAX_PAGE_SIZE = 250;

/**
 * Client-side pacing per token. No number is documented [C-absence]; Airbyte quotes 4,000/min per IP [D].
 * 600/min (10/s) keeps a sync fast while far below that figure, so a healthy sync seldom sees a 429.
 */
export const DEFAULT_REQUESTS_PER_MINUTE = 600;

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_BACKOFF_BASE_MS = 500;
/** [I] cap suggested by partnerstack-api.md §3.5. */
export const DEFAULT_BACKOFF_CAP_MS = 30_000;

/** Statuses worth another attempt ([O] ADB retries 429 and 5xx; RUOYI also 408). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Path of each stream below the base URL. */
export const STREAM_PATHS: Readonly<Record<PartnerStackStream, string>> = {
  partnerships: '/partnerships',
  customers: '/customers',
  transactions: '/transactions',
  rewards: '/rewards',
  payouts: '/payouts',
  actions: '/actions',
  marketplace_programs: '/marketplace/programs',
  deals: '/deals',
  leads: '/leads',
};

/** The cheap authenticated call `verifyToken` makes. */
export const VERIFY_TOKEN_STREAM: PartnerStackStream = 'partnerships';
