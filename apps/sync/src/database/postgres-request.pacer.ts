import { RequestPacer } from '@pp/partnerstack-client';

import { SyncDatabase } from './sync-database';

/**
 * Paces requests per token across every worker process: one token bucket row per token fingerprint, updated
 * atomically. Each caller takes a token; when the bucket is empty it takes one "on credit" (the balance goes
 * negative) and waits until that credit has refilled, so concurrent callers queue fairly without polling.
 */
export class PostgresRequestPacer implements RequestPacer {
  private readonly perMs: number;
  private readonly capacity: number;

  constructor(
    private readonly db: SyncDatabase,
    requestsPerMinute: number,
  ) {
    this.perMs = requestsPerMinute / 60_000;
    // One second's worth of requests, as the client's own pacer: bursts stay short.
    this.capacity = Math.max(1, Math.floor(requestsPerMinute / 60));
  }

  public async acquire(tokenFingerprint: string): Promise<void> {
    const row = await this.db.one<{ tokens: number }>(
      `insert into sync.request_pacer as p (fingerprint, tokens, refilled_at) values (?, ?, clock_timestamp())
       on conflict (fingerprint) do update set
         tokens = least(?::float8, p.tokens + extract(epoch from clock_timestamp() - p.refilled_at) * 1000 * ?::float8) - 1,
         refilled_at = clock_timestamp()
       returning tokens`,
      [tokenFingerprint, this.capacity - 1, this.capacity, this.perMs],
    );
    const balance = Number(row?.tokens ?? 0);
    if (balance < 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(-balance / this.perMs)));
  }
}
