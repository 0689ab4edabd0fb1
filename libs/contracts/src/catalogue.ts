import { z } from 'zod';

import { Envelope } from './envelope';
import { PARTNERSTACK_STREAMS, PartnerStackStream } from './partnerstack-streams';

/** Topic exchange every service publishes its events to. */
export const EVENTS_EXCHANGE = 'pp.events';

const isoTime = z.string().datetime({ offset: true });
const stream = z.enum(PARTNERSTACK_STREAMS);

/** A PartnerStack record exactly as the API returned it; only `key` is required of it here. */
export const partnerStackRecordSchema = z.looseObject({ key: z.string().min(1) });
export type PartnerStackRecord = z.infer<typeof partnerStackRecordSchema>;

/** Largest page PartnerStack serves, so the most records one raw page event carries. */
export const MAX_RAW_PAGE_RECORDS = 250;

/**
 * One page of new or changed records of a stream, as the sync fetched them: one event per page rather than per
 * record, because per-record events made the broker the costliest part of a sync (docs/benchmarks.md). A record
 * is checked for its key by the normalizer, not here, so one bad record dead-letters its page (with the reason and
 * the record's position) while the page's other records are still applied; replaying the page is harmless.
 */
const rawPageV2 = z.object({
  connectionId: z.string().min(1),
  syncRunId: z.string().min(1),
  stream,
  fetchedAt: isoTime,
  records: z
    .array(z.object({ externalKey: z.string().min(1), record: z.looseObject({}) }))
    .min(1)
    .max(MAX_RAW_PAGE_RECORDS),
});

const rawRemovedV1 = z.object({
  connectionId: z.string().min(1),
  syncRunId: z.string().min(1),
  stream,
  externalKey: z.string().min(1),
  removedAt: isoTime,
});

const connectionEventBase = z.object({ connectionId: z.string().min(1), actorUserId: z.string().min(1).nullable() });

const streamStatsV1 = z.object({
  stream,
  status: z.enum(['succeeded', 'failed', 'unavailable', 'skipped']),
  fetched: z.number().int().nonnegative(),
  emitted: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  removed: z.number().int().nonnegative(),
  apiCalls: z.number().int().nonnegative(),
  rateLimited: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  error: z.string().nullable(),
});

export const SYNC_RUN_STATUSES = ['running', 'succeeded', 'partial', 'failed'] as const;
export const CONNECTION_STATUSES = ['connected', 'invalid', 'disconnected'] as const;
export const SYNC_MODES = ['incremental', 'full'] as const;
export const SYNC_REASONS = ['connected', 'rotated', 'manual', 'scheduled', 'reconcile', 'retry', 'postback'] as const;
/** How a stream is being read: records created since the last sync, a re-read of the warm window, or all of it. */
export const SYNC_TIERS = ['incremental', 'warm', 'full'] as const;
export const STREAM_RUN_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'unavailable', 'skipped'] as const;

/** Progress of one stream within a running sync (published throttled, and kept on the run). */
const streamProgressV1 = z.object({
  stream,
  status: z.enum(STREAM_RUN_STATUSES),
  tier: z.enum(SYNC_TIERS).nullable(),
  pages: z.number().int().nonnegative(),
  fetched: z.number().int().nonnegative(),
  emitted: z.number().int().nonnegative(),
  removed: z.number().int().nonnegative(),
  /** Pages still to read where the sync can tell (from what the last pass saw), otherwise null. */
  estimatedPagesLeft: z.number().int().nonnegative().nullable(),
});

/**
 * How far each freshness tier of a stream is current after a run: every record created before `newRecordsAsOf`
 * is in; every change to a record created within the warm window (`warmWindowDays` before it) is in as of
 * `warmAsOf`; every change and removal of any record is in as of `reconciledAt`. Null where a tier never ran.
 */
const streamFreshnessV1 = z.object({
  stream,
  newRecordsAsOf: isoTime.nullable(),
  warmAsOf: isoTime.nullable(),
  warmWindowDays: z.number().nonnegative().nullable(),
  reconciledAt: isoTime.nullable(),
});

/** An amount in integer minor units (cents) of its currency, as the reporting API gives money. */
/**
 * Our id of a record: uuid-shaped, though not always an RFC 4122 uuid (a missed reward's id is an md5 of its facts).
 */
const ourId = z.guid();

const moneyV1 = z.object({ amount: z.number().int(), currency: z.string().min(1) });

/**
 * What every insight event carries besides the envelope's tenant: the program and partnership it is about (our ids
 * and PartnerStack's keys; null where the record is not linked yet) and the sync whose data showed the change (null
 * when the change came from time passing, such as a deadline drawing near). The envelope's `idempotencyKey` is
 * derived from the change itself, so a consumer that sees a key twice has seen the same change twice.
 */
const insightBaseV1 = z.object({
  syncRunId: z.string().min(1).nullable(),
  programId: ourId.nullable(),
  programKey: z.string().nullable(),
  partnershipId: ourId.nullable(),
  partnershipKey: z.string().nullable(),
});

const rewardInsightV1 = insightBaseV1.extend({
  rewardId: ourId,
  rewardKey: z.string().min(1),
  referralId: ourId.nullable(),
  customerKey: z.string().nullable(),
  amount: moneyV1,
});

/** One version of a partnership's offer, as `domain.commission_rule` keeps it. */
const offerVersionV1 = z.object({
  commissionRuleId: ourId,
  offerKey: z.string().nullable(),
  kind: z.enum(['percentage', 'flat', 'unknown']),
  /** A percentage for `percentage` offers, the offer's base rate as given for the others; a decimal string. */
  rate: z.string().nullable(),
  currency: z.string().nullable(),
  validFrom: isoTime,
  validTo: isoTime.nullable(),
});

const missedRewardInsightV1 = insightBaseV1.extend({
  missedRewardId: ourId,
  reason: z.string().min(1),
  referralId: ourId.nullable(),
  customerKey: z.string().nullable(),
  billingRecordId: ourId.nullable(),
  billingRecordKey: z.string().nullable(),
  rewardId: ourId.nullable(),
  rewardKey: z.string().nullable(),
  expected: moneyV1.nullable(),
  actual: moneyV1.nullable(),
  atStake: moneyV1.nullable(),
  detectedAt: isoTime,
});

function rawKey<S extends PartnerStackStream>(name: S) {
  return `partnerstack.raw.${name}` as const;
}
function removedKey<S extends PartnerStackStream>(name: S) {
  return `partnerstack.raw.${name}.removed` as const;
}

/**
 * The catalogue: every routing key, its payload schema and its schema version.
 * Producers and consumers both import it, so a payload that does not match its key does not compile.
 */
export const MessageCatalogue = {
  ...(Object.fromEntries(
    PARTNERSTACK_STREAMS.flatMap((name) => [
      [rawKey(name), { schemaVersion: 2, payload: rawPageV2 }],
      [removedKey(name), { schemaVersion: 1, payload: rawRemovedV1 }],
    ]),
  ) as {
    [S in PartnerStackStream as `partnerstack.raw.${S}`]: { schemaVersion: 2; payload: typeof rawPageV2 };
  } & {
    [S in PartnerStackStream as `partnerstack.raw.${S}.removed`]: { schemaVersion: 1; payload: typeof rawRemovedV1 };
  }),

  /** `syncRunId`: the id of the sync this event starts, chosen by credentials so it can answer for it at once. */
  'credentials.connection.connected': {
    schemaVersion: 1,
    payload: connectionEventBase.extend({
      tokenHint: z.string(),
      connectedAt: isoTime,
      syncRunId: z.string().min(1).optional(),
    }),
  },
  'credentials.connection.rotated': {
    schemaVersion: 1,
    payload: connectionEventBase.extend({
      tokenHint: z.string(),
      rotatedAt: isoTime,
      syncRunId: z.string().min(1).optional(),
    }),
  },
  'credentials.connection.disconnected': {
    schemaVersion: 1,
    payload: connectionEventBase.extend({ disconnectedAt: isoTime }),
  },
  'credentials.connection.status-changed': {
    schemaVersion: 1,
    payload: connectionEventBase.extend({
      status: z.enum(CONNECTION_STATUSES),
      reason: z.string().nullable(),
      changedAt: isoTime,
    }),
  },

  /** A sync wanted now (manual request); the sync scheduler turns it into a job unless one is queued or running. */
  'sync.requested': {
    schemaVersion: 1,
    payload: z.object({
      connectionId: z.string().min(1),
      syncRunId: z.string().min(1),
      reason: z.enum(SYNC_REASONS),
      mode: z.enum(SYNC_MODES).default('incremental'),
    }),
  },
  /** Work item on the sync workers' competing-consumer queue. */
  'sync.job': {
    schemaVersion: 1,
    payload: z.object({
      connectionId: z.string().min(1),
      syncRunId: z.string().min(1),
      reason: z.enum(SYNC_REASONS),
      mode: z.enum(SYNC_MODES),
    }),
  },
  'sync.run.started': {
    schemaVersion: 1,
    payload: z.object({
      connectionId: z.string().min(1),
      syncRunId: z.string().min(1),
      mode: z.enum(SYNC_MODES),
      startedAt: isoTime,
    }),
  },
  'sync.run.finished': {
    schemaVersion: 1,
    payload: z.object({
      connectionId: z.string().min(1),
      syncRunId: z.string().min(1),
      mode: z.enum(SYNC_MODES),
      status: z.enum(SYNC_RUN_STATUSES),
      startedAt: isoTime,
      finishedAt: isoTime,
      recordsFetched: z.number().int().nonnegative(),
      recordsEmitted: z.number().int().nonnegative(),
      error: z.string().nullable(),
      streams: z.array(streamStatsV1),
      nextSyncAt: isoTime.nullable(),
      /** Per stream, how far each freshness tier is current after this run (absent from older producers). */
      freshness: z.array(streamFreshnessV1).optional(),
    }),
  },
  /** At most one every few seconds per run while it runs. */
  'sync.run.progress': {
    schemaVersion: 1,
    payload: z.object({
      connectionId: z.string().min(1),
      syncRunId: z.string().min(1),
      mode: z.enum(SYNC_MODES),
      reportedAt: isoTime,
      streams: z.array(streamProgressV1),
    }),
  },
  /**
   * A requested run (`syncRunId`) that will not run on its own: it was folded into a run that had not started yet
   * (`mergedIntoSyncRunId`), whose outcome is its outcome. Nothing is ever merged into a run already running.
   */
  'sync.run.merged': {
    schemaVersion: 1,
    payload: z.object({
      connectionId: z.string().min(1),
      syncRunId: z.string().min(1),
      mergedIntoSyncRunId: z.string().min(1),
      mergedAt: isoTime,
    }),
  },
  /** PartnerStack answered 401 during a sync: the agency revoked the token. */
  'sync.connection.invalid': {
    schemaVersion: 1,
    payload: z.object({
      connectionId: z.string().min(1),
      syncRunId: z.string().min(1),
      reason: z.string(),
      detectedAt: isoTime,
    }),
  },
  /** One per committed normalizer batch, so readers can invalidate caches and refresh aggregates. */
  'normalized.changed': {
    schemaVersion: 1,
    payload: z.object({ entityKinds: z.array(z.string()), records: z.number().int().nonnegative() }),
  },

  // Insight events for the main app (docs/events.md), published by the normalizer through its outbox.
  /** A reward turned `declined`. */
  'insight.reward.declined': {
    schemaVersion: 1,
    payload: rewardInsightV1.extend({
      previousStatus: z.string().nullable(),
      declineReason: z.string().nullable(),
      declinedAt: isoTime,
    }),
  },
  /** PartnerStack booked a clawback: a negative reward reversing a paid one (`amount` is negative). */
  'insight.reward.clawed-back': {
    schemaVersion: 1,
    payload: rewardInsightV1.extend({
      reversedRewardId: ourId.nullable(),
      reversedRewardKey: z.string().nullable(),
      description: z.string().nullable(),
      clawedBackAt: isoTime,
    }),
  },
  /** An offer version of a partnership ended; `current` is the version that replaced it, null if none did. */
  'insight.offer.changed': {
    schemaVersion: 1,
    payload: insightBaseV1.extend({
      previous: offerVersionV1,
      current: offerVersionV1.nullable(),
      changedAt: isoTime,
    }),
  },
  /** A payout reached a sent status. */
  'insight.payout.sent': {
    schemaVersion: 1,
    payload: insightBaseV1.extend({
      payoutId: ourId,
      payoutKey: z.string().min(1),
      amount: moneyV1,
      status: z.string(),
      sentAt: isoTime,
    }),
  },
  /** The agency joined a program: a partnership appeared after its first sync. */
  'insight.program.joined': {
    schemaVersion: 1,
    payload: insightBaseV1.extend({ status: z.string().nullable(), joinedAt: isoTime }),
  },
  'insight.program.archived': {
    schemaVersion: 1,
    payload: insightBaseV1.extend({ archivedAt: isoTime }),
  },
  /** A missed reward (docs/missed-rewards.md) was first found by the aggregate refresh. */
  'insight.missed-reward.detected': { schemaVersion: 1, payload: missedRewardInsightV1 },
  /** PartnerStack created or corrected the reward of a missed reward; `recovered` is what came back. */
  'insight.missed-reward.resolved': {
    schemaVersion: 1,
    payload: missedRewardInsightV1.extend({ recovered: moneyV1.nullable(), resolvedAt: isoTime }),
  },
  /** A missed reward still open with at most a week left before its claim deadline. */
  'insight.missed-reward.deadline-near': {
    schemaVersion: 1,
    payload: missedRewardInsightV1.extend({ deadlineAt: isoTime, daysLeft: z.number().int().nonnegative() }),
  },
  /** No sync of an active connection succeeded for three of its intervals. Published by the sync scheduler. */
  'integration.sync.stale': {
    schemaVersion: 1,
    payload: z.object({
      connectionId: z.string().min(1),
      lastSucceededAt: isoTime.nullable(),
      intervalSeconds: z.number().int().positive(),
      missedIntervals: z.number().int().positive(),
      detectedAt: isoTime,
    }),
  },
} as const;

export type MessageCatalogue = typeof MessageCatalogue;
export type RoutingKey = keyof MessageCatalogue & string;
export type PayloadOf<K extends RoutingKey> = z.output<MessageCatalogue[K]['payload']>;
export type PayloadInputOf<K extends RoutingKey> = z.input<MessageCatalogue[K]['payload']>;
export type MessageOf<K extends RoutingKey> = Envelope<K, PayloadOf<K>>;

export const RawRecordKey = rawKey;
export const RawRemovedKey = removedKey;
export type RawPagePayload = z.infer<typeof rawPageV2>;
export type RawRemovedPayload = z.infer<typeof rawRemovedV1>;
export type StreamStats = z.infer<typeof streamStatsV1>;
export type StreamProgress = z.infer<typeof streamProgressV1>;
export type StreamFreshness = z.infer<typeof streamFreshnessV1>;
export type SyncTier = (typeof SYNC_TIERS)[number];

export function isRoutingKey(value: string): value is RoutingKey {
  return Object.prototype.hasOwnProperty.call(MessageCatalogue, value);
}

export function contractOf<K extends RoutingKey>(key: K): MessageCatalogue[K] {
  return MessageCatalogue[key];
}
