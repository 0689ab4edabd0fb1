import { PartnerStackStream } from '@pp/contracts';
import { RequestEvent } from '@pp/partnerstack-client';

import { syncMetrics } from '../metrics/sync.metrics';
import { StreamCounts } from '../runs/sync-runs.repository';

type RequestCounts = Required<Pick<StreamCounts, 'apiCalls' | 'rateLimited' | 'errors'>>;

/**
 * Counts a run's API calls, 429s and errors per stream as the client makes them (and in the worker's metrics at
 * once), holding each stream's counts until its run row takes them.
 */
export class RequestTally {
  private readonly pending = new Map<string, RequestCounts>();

  /** The client's `onRequest` hook. */
  public readonly onRequest = (event: RequestEvent): void => {
    const stream = event.stream ?? 'unknown';
    const counts = this.pending.get(stream) ?? { apiCalls: 0, rateLimited: 0, errors: 0 };
    counts.apiCalls += 1;
    if (event.rateLimited) counts.rateLimited += 1;
    if (event.status === null || event.status >= 500) counts.errors += 1;
    this.pending.set(stream, counts);
    syncMetrics.apiCalls.inc({ stream, status: String(event.status ?? 'network') });
    if (event.rateLimited) syncMetrics.rateLimited.inc({ stream });
  };

  /** The stream's counts since the last take, which are then forgotten. */
  public take(stream: PartnerStackStream): StreamCounts {
    const counts = this.pending.get(stream) ?? {};
    this.pending.delete(stream);
    return counts;
  }
}
