import { PartnerStackStream, SyncTier } from '@pp/contracts';

import {
  OPEN_REWARD_STATUSES,
  PAGE_SIZE,
  READBACK_RANGE_MARGIN_MS,
  REWARD_CUSTOMER_FILTER,
  STREAM_BASE_PARAMS,
  WARM_STREAMS,
  WHOLE_STREAMS,
} from '../sync.constants';

export type QueryParams = Record<string, string | number | boolean>;

/** One walk over a filtered list of a stream, page by page. */
export interface Phase {
  label: string;
  params: QueryParams;
}

/** Stands in the rewards plan for the read-back of departed rewards, which is only known once the sweeps are done. */
export const READBACK_PHASE = 'readback';

/**
 * A stream's work within a sync, frozen when it starts so that a resumed job repeats exactly the same queries (the
 * read-back phases of rewards are frozen into it as soon as the sweeps are done). Full passes read the whole stream
 * and then report the records they did not see as removed; warm passes do the same for the records created within
 * their window.
 */
export interface PassCheckpoint {
  runId: string;
  tier: SyncTier;
  full: boolean;
  /** Written into `seen` of every record state this pass touches; for full passes, the new pass number. */
  seen: number;
  /** This pass's number among all passes of the stream, written into `touched` of every record it returns. */
  touch: number;
  phases: Phase[];
  phaseIndex: number;
  /** Key of the last record of the last committed page of the current phase. */
  cursor: string | null;
  /** Newest `created_at` seen by this pass: the next watermark once the pass completes. */
  maxCreated: number | null;
  pages: number;
  /** All phases done; publishing removals. */
  removing: boolean;
  /** When the pass was planned: every record created before then is in once it completes. */
  startedAt: number;
  /** Warm passes: a record created after this that the pass did not return was removed upstream. */
  removeCreatedAfter: number | null;
  /** Rewards: an open reward created up to this bound that the sweeps did not return has left the open statuses. */
  sweptBefore: number | null;
  /** Rewards: customers whose rewards are read back because a clawback of one of them appeared. */
  readbackCustomers: string[];
  /** Pages this pass should take, from what the previous passes saw; null when nothing is known (a first sync). */
  expectedPages: number | null;
}

export interface PlanInput {
  stream: PartnerStackStream;
  runId: string;
  full: boolean;
  watermark: number | null;
  fullSeq: number;
  passSeq: number;
  overlapMs: number;
  /** The stream's warm window is due for a re-read (only for WARM_STREAMS). */
  warmDue: boolean;
  warmWindowMs: number;
  /** Statuses of open rewards the last passes saw beyond the known open ones (a status PartnerStack added later). */
  extraOpenStatuses: readonly string[];
  /** Payment statuses of rewards whose reward status is final but whose payment is still moving. */
  openPaymentStatuses: readonly string[];
  /** Record states the pass is expected to meet again (whole stream, warm window or open rewards). */
  knownRecords: number;
  now: number;
}

/** A checkpoint written by an older release lacks the freshness fields; such a pass is planned again. */
export function isCurrentCheckpoint(pass: PassCheckpoint | null): pass is PassCheckpoint {
  return pass !== null && typeof pass.tier === 'string' && typeof pass.touch === 'number';
}

const pagesFor = (records: number) => Math.max(1, Math.ceil(records / PAGE_SIZE));

/** Lower creation bound of a warm pass: the warm window below the watermark (never less than the overlap). */
export function warmWindowStart(watermark: number, overlapMs: number, warmWindowMs: number): number {
  return Math.max(0, watermark - Math.max(overlapMs, warmWindowMs));
}

/**
 * What to read for a stream (partnerstack-api.md §3.6):
 * - everything on a full pass, on the first sync of a stream and for streams without a creation filter;
 * - for streams that change with no filter to find it by, the warm window when it is due;
 * - otherwise records created since the watermark minus the overlap, and for rewards also a sweep of every reward
 *   still open below that bound, then a read-back of the ones that left the open statuses since the last sync.
 */
export function planPass(input: PlanInput): PassCheckpoint {
  const { stream, runId, full, watermark, fullSeq, passSeq, overlapMs, now } = input;
  const base: QueryParams = { ...(STREAM_BASE_PARAMS[stream] ?? {}) };
  const checkpoint = {
    runId,
    touch: passSeq + 1,
    phaseIndex: 0,
    cursor: null,
    maxCreated: null,
    pages: 0,
    removing: false,
    startedAt: now,
    removeCreatedAfter: null,
    sweptBefore: null,
    readbackCustomers: [],
  };
  if (full || watermark === null || WHOLE_STREAMS.has(stream)) {
    return {
      ...checkpoint,
      tier: 'full',
      full: true,
      seen: fullSeq + 1,
      phases: [{ label: 'all', params: base }],
      expectedPages: input.knownRecords > 0 ? pagesFor(input.knownRecords) : null,
    };
  }
  if (WARM_STREAMS.has(stream) && input.warmDue) {
    const windowStart = warmWindowStart(watermark, overlapMs, input.warmWindowMs);
    return {
      ...checkpoint,
      tier: 'warm',
      full: false,
      seen: fullSeq,
      removeCreatedAfter: windowStart,
      phases: [{ label: 'warm', params: { ...base, min_created: windowStart } }],
      expectedPages: pagesFor(input.knownRecords),
    };
  }
  const windowStart = Math.max(0, watermark - overlapMs);
  const window: Phase = { label: 'window', params: { ...base, min_created: windowStart } };
  if (stream !== 'rewards') {
    return { ...checkpoint, tier: 'incremental', full: false, seen: fullSeq, phases: [window], expectedPages: 1 };
  }
  const statuses = [...new Set([...OPEN_REWARD_STATUSES, ...input.extraOpenStatuses])];
  const sweeps: Phase[] = [
    // Open rewards created inside the window were just read; the sweep only needs the older ones.
    ...statuses.map((status) => ({ label: `open:${status}`, params: { ...base, status, max_created: windowStart } })),
    ...input.openPaymentStatuses.map((paymentStatus) => ({
      label: `open-payment:${paymentStatus}`,
      params: { ...base, payment_status: paymentStatus, max_created: windowStart },
    })),
  ];
  return {
    ...checkpoint,
    tier: 'incremental',
    full: false,
    seen: fullSeq,
    sweptBefore: windowStart,
    phases: [window, ...sweeps, { label: READBACK_PHASE, params: {} }],
    expectedPages: 1 + sweeps.length + Math.floor(input.knownRecords / PAGE_SIZE) + 1,
  };
}

export interface DepartedReward {
  key: string;
  customer: string | null;
  createdAt: number | null;
}

/**
 * How to read back rewards that left the open statuses (and the rewards of customers with a new clawback): one call
 * per customer, a tight creation range for each customerless one, so calls grow with the number of changes, not with
 * history. When that would take more calls than re-reading every reward below the sweep's bound, that re-read is made.
 */
export function planReadback(input: {
  departed: readonly DepartedReward[];
  hintedCustomers: readonly string[];
  /** Rewards known to have been created up to `sweptBefore`. */
  olderRewards: number;
  sweptBefore: number;
}): Phase[] {
  const customers = new Set(input.hintedCustomers);
  const instants = new Set<number>();
  for (const reward of input.departed) {
    if (reward.customer !== null) customers.add(reward.customer);
    else if (reward.createdAt !== null) instants.add(reward.createdAt);
  }
  const calls = customers.size + instants.size;
  if (calls === 0) return [];
  if (calls > pagesFor(input.olderRewards)) {
    return [{ label: 'readback:all', params: { max_created: input.sweptBefore } }];
  }
  return [
    ...[...customers].sort().map((customer) => ({
      label: `readback:customer:${customer}`,
      params: { [REWARD_CUSTOMER_FILTER]: customer },
    })),
    // Either inclusive or exclusive bounds (§3.2, open question 7) return the reward at `createdAt`.
    ...[...instants]
      .sort((a, b) => a - b)
      .map((createdAt) => ({
        label: `readback:created:${createdAt}`,
        params: {
          min_created: createdAt - READBACK_RANGE_MARGIN_MS,
          max_created: createdAt + READBACK_RANGE_MARGIN_MS,
        },
      })),
  ];
}
