import { PartnerStackStream } from '@pp/contracts';

import { OPEN_REWARD_STATUSES, REWARD_TRAILING_WINDOW_MS, STREAM_BASE_PARAMS, WHOLE_STREAMS } from '../sync.constants';

export type QueryParams = Record<string, string | number | boolean>;

/** One walk over a filtered list of a stream, page by page. */
export interface Phase {
  label: string;
  params: QueryParams;
}

/**
 * A stream's work within a sync, frozen when it starts so that a resumed job repeats exactly the same queries.
 * `full` passes read the whole stream and then report the records they did not see as removed.
 */
export interface PassCheckpoint {
  runId: string;
  full: boolean;
  /** Written into every record state this pass touches; for full passes, the new pass number. */
  seen: number;
  phases: Phase[];
  phaseIndex: number;
  /** Key of the last record of the last committed page of the current phase. */
  cursor: string | null;
  /** Newest `created_at` seen by this pass: the next watermark once the pass completes. */
  maxCreated: number | null;
  pages: number;
  /** All phases done; publishing removals. */
  removing: boolean;
}

export interface PlanInput {
  stream: PartnerStackStream;
  runId: string;
  full: boolean;
  watermark: number | null;
  fullSeq: number;
  overlapMs: number;
}

/**
 * What to read for a stream (partnerstack-api.md §3.6): everything on a full pass, on the first sync of a stream
 * and for streams without a creation filter; otherwise records created since the watermark minus the overlap,
 * and for rewards also a trailing window and a sweep of every reward still open.
 */
export function planPass({ stream, runId, full, watermark, fullSeq, overlapMs }: PlanInput): PassCheckpoint {
  const base: QueryParams = { ...(STREAM_BASE_PARAMS[stream] ?? {}) };
  const whole = full || watermark === null || WHOLE_STREAMS.has(stream);
  const checkpoint = { runId, phaseIndex: 0, cursor: null, maxCreated: null, pages: 0, removing: false };
  if (whole) {
    return { ...checkpoint, full: true, seen: fullSeq + 1, phases: [{ label: 'all', params: base }] };
  }
  if (stream !== 'rewards') {
    return {
      ...checkpoint,
      full: false,
      seen: fullSeq,
      phases: [{ label: 'window', params: { ...base, min_created: Math.max(0, watermark - overlapMs) } }],
    };
  }
  const windowStart = Math.max(0, watermark - Math.max(overlapMs, REWARD_TRAILING_WINDOW_MS));
  return {
    ...checkpoint,
    full: false,
    seen: fullSeq,
    phases: [
      { label: 'window', params: { ...base, min_created: windowStart } },
      ...OPEN_REWARD_STATUSES.map((status) => ({
        label: `open:${status}`,
        // Open rewards created inside the window were just read; the sweep only needs the older ones.
        params: { ...base, status, max_created: windowStart },
      })),
    ],
  };
}
