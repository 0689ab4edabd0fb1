interface Bucket {
  tokens: number;
  refilledAt: number;
}

/** Whether a request may go ahead, and if not, how long until it could. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * One token bucket per org, in this process's memory: `perMinute` requests may arrive at once, then one more every
 * `60 / perMinute` seconds. Buckets that have refilled are forgotten, so memory follows the orgs active in the last
 * minute, not every org ever seen.
 */
export class RequestRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly tokensPerMs: number;
  private sweptAt: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokensPerMs = perMinute / 60_000;
    this.sweptAt = now();
  }

  public take(org: string): RateDecision {
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(org) ?? { tokens: this.perMinute, refilledAt: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.refilledAt) * this.tokensPerMs);
    bucket.refilledAt = now;
    this.buckets.set(org, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.tokensPerMs / 1000)) };
  }

  /** Orgs whose bucket would be full again by now; at most once a minute, so a request costs O(1) on average. */
  private sweep(now: number): void {
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [org, bucket] of this.buckets)
      if (bucket.tokens + (now - bucket.refilledAt) * this.tokensPerMs >= this.perMinute) this.buckets.delete(org);
  }

  /** Orgs currently remembered. */
  public get size(): number {
    return this.buckets.size;
  }
}
