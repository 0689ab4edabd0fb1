import type { BatchOptions } from '@pp/messaging';

/** The work queue of raw PartnerStack records (every stream, records and removals). */
export const RAW_RECORDS_QUEUE = 'normalizer.raw';
/** Sync run announcements, kept apart so a backlog of raw records never delays them. */
export const SYNC_RUNS_QUEUE = 'normalizer.sync-runs';

/**
 * A batch is one transaction: large enough for set-based SQL to pay off, small enough to commit often. Its size
 * counts messages, and a raw page event carries up to 250 records: 20 of them are up to 5,000 records.
 */
export const RAW_RECORDS_BATCH: BatchOptions = { maxSize: 20, maxWaitMs: 250 };
/** Twice the batch, so the next batch fills while the previous one commits. */
export const RAW_RECORDS_PREFETCH = RAW_RECORDS_BATCH.maxSize * 2;

/** Redeliveries of a batch that failed for a reason other than its data (database down, deadlock). */
export const RAW_RECORDS_RETRY_DELAYS_MS = [1_000, 10_000, 60_000, 300_000, 900_000];

/** In-process retries of a transaction that failed transiently, before the batch goes to the retry queues. */
export const TRANSIENT_RETRY_DELAYS_MS = [200, 1_000, 3_000];
