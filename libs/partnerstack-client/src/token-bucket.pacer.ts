import { sleep } from '@pp/common';

import type { RequestPacer } from './partnerstack.types';

interface Bucket {
  tokens: number;
  refilledAt: number;
  queue: Promise<void>;
}

/**
 * The default in-process pacer: one token bucket per API token (by fingerprint) holding at most one second of
 * requests, so bursts stay short and the average never exceeds `requestsPerMinute`. Waiters are served in order.
 */
export class TokenBucketPacer implements RequestPacer {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly capacity: number;

  constructor(requestsPerMinute: number) {
    if (!(requestsPerMinute > 0)) throw new RangeError('requestsPerMinute must be positive');
    this.perMs = requestsPerMinute / 60_000;
    this.capacity = Math.max(1, Math.floor(requestsPerMinute / 60));
  }

  public acquire(fingerprint: string): Promise<void> {
    let bucket = this.buckets.get(fingerprint);
    if (!bucket) {
      bucket = { tokens: this.capacity, refilledAt: Date.now(), queue: Promise.resolve() };
      this.buckets.set(fingerprint, bucket);
    }
    const current = bucket;
    const turn = current.queue.then(() => this.take(current));
    current.queue = turn;
    return turn;
  }

  private async take(bucket: Bucket): Promise<void> {
    for (;;) {
      const now = Date.now();
      bucket.tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.refilledAt) * this.perMs);
      bucket.refilledAt = now;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return;
      }
      await sleep(Math.ceil((1 - bucket.tokens) / this.perMs));
    }
  }
}
