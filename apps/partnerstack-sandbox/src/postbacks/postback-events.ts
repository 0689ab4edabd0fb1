import type { Agency } from '../agencies/agency';
import { POSTBACK_EVENTS } from '../sandbox.constants';

export interface PostbackBody {
  event: string;
  data: { key: string; created_at: number };
}

export interface PostbackBatch {
  /** The calls to make, oldest first. */
  calls: PostbackBody[];
  /** Events of the span that got no call of their own (folded into the call for the newest). */
  coalesced: number;
}

/**
 * The postbacks PartnerStack would have sent for actions and rewards created in (from, to], at most `maxCalls`:
 * beyond that the oldest `maxCalls - 1` events are sent and the newest stands for the rest, so a receiver that
 * treats a postback as a hint to sync still hears of the latest change. Keys are rendered only for calls made.
 */
export function postbackBatch(agency: Agency, from: number, to: number, maxCalls: number): PostbackBatch {
  const { data, views } = agency;
  const streams = [
    { table: data.actions, codec: views.codecs.actions, event: POSTBACK_EVENTS.action },
    { table: data.rewards, codec: views.codecs.rewards, event: POSTBACK_EVENTS.reward },
  ].map((stream) => ({
    ...stream,
    next: stream.table.lowerBound(from, true),
    end: stream.table.lowerBound(to, true),
  }));
  const total = streams.reduce((sum, stream) => sum + stream.end - stream.next, 0);
  const body = (stream: (typeof streams)[number], index: number): PostbackBody => ({
    event: stream.event,
    data: { key: stream.codec.encode(index), created_at: stream.table.createdAt[index] },
  });
  const calls: PostbackBody[] = [];
  const individual = total <= maxCalls ? total : maxCalls - 1;
  while (calls.length < individual) {
    // Equal times keep a fixed order (actions first), so the same advance always makes the same calls.
    const stream = streams
      .filter((candidate) => candidate.next < candidate.end)
      .reduce((best, candidate) =>
        candidate.table.createdAt[candidate.next] < best.table.createdAt[best.next] ? candidate : best,
      );
    calls.push(body(stream, stream.next++));
  }
  if (total > individual) {
    const newest = streams
      .filter((stream) => stream.end > stream.next)
      .reduce((best, stream) =>
        stream.table.createdAt[stream.end - 1] >= best.table.createdAt[best.end - 1] ? stream : best,
      );
    calls.push(body(newest, newest.end - 1));
  }
  return { calls, coalesced: total - calls.length };
}
