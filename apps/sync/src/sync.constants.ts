import type { PartnerStackStream } from '@pp/contracts';

/**
 * Assumptions about PartnerStack's Partner API that partnerstack-api.md marks as inferred [I] or open,
 * and the sync's own tuning knobs. Each lives here once, so a correction changes one line.
 */

/** Largest page the API serves [C]; every walk asks for it. */
export const PAGE_SIZE = 250;

/**
 * Default of SYNC_OVERLAP_MINUTES: how far below the creation-time watermark an incremental pass starts again.
 * Covers records that become visible after younger ones (late imports, clock skew) and the unknown
 * inclusiveness of `min_created` (§3.2, open question 7). Re-read records cost nothing downstream: they are unchanged.
 */
export const DEFAULT_OVERLAP_MINUTES = 24 * 60;

/**
 * Rewards change status for weeks after creation (§3.6: month-end review, payout on the 13th). Each incremental
 * sync re-reads every reward created this long before the newest one seen, which also catches the step of an
 * open reward into a final state (the open sweep no longer returns it).
 */
export const REWARD_TRAILING_WINDOW_MS = 45 * 24 * 60 * 60 * 1000;

/**
 * `reward_status` values after which a reward no longer changes (§4.1, open question 2). Unknown statuses count
 * as open, so a new upstream status is swept rather than missed.
 */
export const FINAL_REWARD_STATUSES: readonly string[] = ['declined', 'paid'];

/** Reward statuses known to PartnerStack (§4.1 [I]); the open sweep queries each one that is not final. */
export const KNOWN_REWARD_STATUSES: readonly string[] = [
  'scheduled',
  'pending',
  'hold',
  'approved',
  'declined',
  'paid',
];

export const OPEN_REWARD_STATUSES: readonly string[] = KNOWN_REWARD_STATUSES.filter(
  (status) => !FINAL_REWARD_STATUSES.includes(status),
);

/** Extra query parameters a stream is always read with. */
export const STREAM_BASE_PARAMS: Readonly<Partial<Record<PartnerStackStream, Record<string, string | boolean>>>> = {
  partnerships: { include_offers: true, include_archived: true },
};

/** Streams read whole on every sync (small, and without a creation filter: §2.1). */
export const WHOLE_STREAMS: ReadonlySet<PartnerStackStream> = new Set(['partnerships']);

/**
 * Status codes meaning "this stream is not served to this agency" rather than a failure: 403 [C] for streams the
 * token may not read, and 404 for deals and leads, which the partner API does not document at all (§2.1).
 */
export const UNAVAILABLE_STATUSES: ReadonlySet<number> = new Set([403, 404]);

/**
 * Compact stream ids for the record state table (500k+ rows per agency). Append only: a stored number must keep
 * its stream forever.
 */
export const STREAM_CODES: Readonly<Record<PartnerStackStream, number>> = {
  partnerships: 1,
  customers: 2,
  transactions: 3,
  rewards: 4,
  payouts: 5,
  actions: 6,
  marketplace_programs: 7,
  deals: 8,
  leads: 9,
};

/** Records whose removal is detected are published and forgotten this many at a time. */
export const REMOVAL_BATCH_SIZE = 1_000;

/** A queued run whose job has not started after this long is dispatched again (its message may have been lost). */
export const REDISPATCH_QUEUED_AFTER_MS = 10 * 60 * 1000;

/** Name of the scheduler's leader lease row. */
export const SCHEDULER_LEASE_NAME = 'sync-scheduler';

/** Durable work queue of the workers, and the queue of the scheduler's inbound events. */
export const JOBS_QUEUE = 'sync.jobs';
export const SCHEDULER_QUEUE = 'sync.scheduler';
