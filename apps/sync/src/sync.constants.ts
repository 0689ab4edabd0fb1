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
 * `reward_status` values after which a reward's status no longer changes (§4.1, open question 2). Unknown statuses
 * count as open, so a new upstream status is swept rather than missed.
 */
export const FINAL_REWARD_STATUSES: readonly string[] = ['declined', 'paid'];

/**
 * [I] `payment_status` values after which a paid reward's payment no longer moves (§4.1: `null -> available ->
 * in_transit/withdrawn`). A paid reward in any other payment status (in transit, merging, failed, or one PartnerStack
 * adds later) is still open. `withdrawn` can still become `paid_and_refunded` when the customer refunds; that step
 * always comes with a clawback (a new negative reward, §11), which reads the customer's rewards back.
 */
export const FINAL_PAYMENT_STATUSES: readonly string[] = [
  'withdrawn',
  'paid_and_refunded',
  'paid_externally',
  'expired',
];

/**
 * [I] The rewards list's `customer_key` filter (§2.1) takes the PartnerStack key of the customer (`cus_…`, the
 * reward's `customer.key`), as the RUOYI consumer passes it. If it turns out to be the vendor's own id, change
 * `rewardCustomerFilterValue` in reward-state.ts; nothing else depends on it.
 */
export const REWARD_CUSTOMER_FILTER = 'customer_key';

/**
 * Streams whose records change with no filter to find the change by (§3.6): refunds archive transactions, customers
 * get `has_paid` and `archived`, actions are archived, leads and deals move on. Their records created within the
 * warm window are re-read on the warm cadence; older ones by the daily full reconcile.
 */
export const WARM_STREAMS: ReadonlySet<PartnerStackStream> = new Set([
  'customers',
  'transactions',
  'actions',
  'deals',
  'leads',
]);

/** Defaults of SYNC_WARM_WINDOW_DAYS and SYNC_WARM_INTERVAL_MINUTES. */
export const DEFAULT_WARM_WINDOW_DAYS = 90;
export const DEFAULT_WARM_INTERVAL_MINUTES = 60;

/** Default of SYNC_PROGRESS_INTERVAL_SECONDS: the least time between two `sync.run.progress` events of one run. */
export const DEFAULT_PROGRESS_INTERVAL_SECONDS = 3;

/**
 * Departed rewards (open at the last sync, absent from this sync's sweeps) are read back by customer, one call per
 * customer; customerless ones by a 3 ms creation range around each. Once that would cost more than re-reading every
 * reward older than the sweep's bound, that re-read is cheaper and is made instead.
 */
export const READBACK_RANGE_MARGIN_MS = 1;

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

/**
 * Default of PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE, the budget every worker of the deployment shares. The only
 * published figure is a third party's "4,000 requests per minute per IP address" (§3.5, §11 [3P]); many agencies
 * share our egress IPs, so we stay a quarter below it in case the figure is optimistic or counts retries.
 */
export const DEFAULT_GLOBAL_REQUESTS_PER_MINUTE = 3_000;

/**
 * The global bucket holds this many seconds of the budget: short bursts, so a full bucket plus its refill still fits
 * in any sliding minute.
 */
export const GLOBAL_PACER_BURST_SECONDS = 1;

/**
 * A request reaches PartnerStack a little after its slot (event loop, network), unevenly; the global refill is set so
 * that even a window this much longer than a minute holds no more than the budget.
 */
export const GLOBAL_PACER_JITTER_SECONDS = 1;

/**
 * A token counts as "requesting" (and so gets an equal share of a contended global budget) for this long after its
 * last request: long enough to span the gap between pages, short enough that a finished sync gives its share back
 * quickly.
 */
export const PACER_ACTIVE_WINDOW_MS = 3_000;
