import { RawRecordKey, RawRemovedKey, RoutingKey } from './catalogue';
import { PARTNERSTACK_STREAMS } from './partnerstack-streams';

/**
 * Topic exchange that addresses a queue by its own name: redeliveries (delay queues and back), dead letters and token
 * requests go through it rather than the default exchange, where write permission would let a service publish into
 * any queue. Each queue that may be addressed is bound under its own name, and each broker user's topic permission
 * names the queues it may address (deploy/rabbitmq/definitions.json).
 */
export const QUEUES_EXCHANGE = 'pp.queues';

export type ConsumingService = 'credentials' | 'sync-scheduler' | 'sync-worker' | 'normalizer';

export interface RetryPolicy {
  /** Delay before each redelivery; its length is the number of retries before dead-lettering. */
  delaysMs: number[];
}

export interface BatchOptions {
  /** Flush when this many messages are buffered (keep prefetch at least this high). */
  maxSize: number;
  /** Flush at the latest this long after the first message of a batch arrived. */
  maxWaitMs: number;
}

/** A durable queue, declared the same by its consumer and by anyone who publishes before that consumer ever ran. */
export interface QueueDeclaration {
  /** Durable queue name, owned by one service (competing consumers share it). */
  queue: string;
  /** Exact routing keys bound to the queue; each needs exactly one @EventPattern handler in its consumer. */
  bindings: readonly RoutingKey[];
  /** Unacknowledged deliveries held at once; bounds handler concurrency and batch size. */
  prefetch?: number;
  /** Delay-queue redeliveries of a handler's transient failure; unset: DEFAULT_RETRY. */
  retry?: RetryPolicy;
}

export const DEFAULT_RETRY: RetryPolicy = { delaysMs: [1_000, 10_000, 60_000, 300_000] };
export const DEFAULT_PREFETCH = 20;

/** Every stream's raw page and removal events: what the normalizer maps into the domain model. */
export const RAW_RECORD_KEYS: RoutingKey[] = PARTNERSTACK_STREAMS.flatMap((stream) => [
  RawRecordKey(stream),
  RawRemovedKey(stream),
]);

/**
 * A normalizer batch is one transaction: large enough for set-based SQL to pay off, small enough to commit often.
 * It counts messages, and a raw page event carries up to 250 records: 20 of them are up to 5,000 records.
 */
export const RAW_RECORDS_BATCH: BatchOptions = { maxSize: 20, maxWaitMs: 250 };

/**
 * Every queue of the system with its consumer, bindings, prefetch and retry policy: the one place a queue is declared,
 * beside the message catalogue. Handlers only say which routing key they take.
 */
export const QUEUES = {
  /** Sync run outcomes and invalid tokens, as credentials learns them for the settings page. */
  credentialsSyncEvents: {
    consumer: 'credentials',
    queue: 'credentials.sync-events',
    bindings: [
      'sync.run.started',
      'sync.run.finished',
      'sync.run.merged',
      'sync.run.progress',
      'sync.connection.invalid',
    ],
    prefetch: 10,
  },
  /** Connections coming and going, and sync requests, for the one active scheduler. */
  syncScheduler: {
    consumer: 'sync-scheduler',
    queue: 'sync.scheduler',
    bindings: [
      'credentials.connection.connected',
      'credentials.connection.rotated',
      'credentials.connection.disconnected',
      'credentials.connection.status-changed',
      'sync.requested',
      'sync.run.finished',
    ],
    prefetch: 10,
  },
  /**
   * One job at a time per worker; the job stays unacknowledged until its run is done, so a killed worker's job goes
   * back to the queue and the next worker resumes it from the checkpoint. The scheduler declares the same queue
   * before it publishes, so a job enqueued before any worker ever started is kept.
   */
  syncJobs: {
    consumer: 'sync-worker',
    queue: 'sync.jobs',
    bindings: ['sync.job'],
    prefetch: 1,
    retry: { delaysMs: [5_000, 30_000, 120_000] },
  },
  /** The work queue of raw PartnerStack records (every stream, records and removals). */
  normalizerRaw: {
    consumer: 'normalizer',
    queue: 'normalizer.raw',
    bindings: RAW_RECORD_KEYS,
    // Twice the batch, so the next batch fills while the previous one commits.
    prefetch: RAW_RECORDS_BATCH.maxSize * 2,
    // A batch that failed for a reason other than its data (database down, deadlock) is redelivered this late.
    retry: { delaysMs: [1_000, 10_000, 60_000, 300_000, 900_000] },
  },
  /** Sync run announcements, kept apart so a backlog of raw records never delays them. */
  normalizerSyncRuns: {
    consumer: 'normalizer',
    queue: 'normalizer.sync-runs',
    bindings: ['sync.run.started', 'sync.run.progress', 'sync.run.finished', 'sync.run.merged'],
    prefetch: 10,
  },
} as const satisfies Record<string, QueueDeclaration & { consumer: ConsumingService }>;

/** The queues a service consumes. */
export function queuesOf(...consumers: ConsumingService[]): QueueDeclaration[] {
  return Object.values(QUEUES).filter((declaration) => (consumers as readonly string[]).includes(declaration.consumer));
}
