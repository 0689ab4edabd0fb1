import { Injectable } from '@nestjs/common';
import { Counter, register } from 'prom-client';

export interface CallStats {
  requests: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  rateLimited: number;
  injectedErrors: number;
  cutConnections: number;
  /** Most requests served in any 60-second window since the stats were reset. */
  peakPerMinute: number;
}

interface Bucket {
  tokens: number;
  refilledAt: number;
}

const REQUESTS_METRIC = 'partnerstack_sandbox_requests_total';

function requestsCounter(): Counter<'endpoint' | 'status'> {
  return (
    (register.getSingleMetric(REQUESTS_METRIC) as Counter<'endpoint' | 'status'> | undefined) ??
    new Counter({
      name: REQUESTS_METRIC,
      help: 'Partner API requests served by the sandbox, by endpoint and status',
      labelNames: ['endpoint', 'status'],
    })
  );
}

function emptyStats(): CallStats {
  return {
    requests: 0,
    byEndpoint: {},
    byStatus: {},
    rateLimited: 0,
    injectedErrors: 0,
    cutConnections: 0,
    peakPerMinute: 0,
  };
}

const MINUTE_MS = 60_000;

/**
 * The times of the requests of the last minute, oldest first, to know the busiest 60-second window so far: every
 * window's count peaks at one of its requests, so counting at each request finds the maximum.
 */
class MinuteWindow {
  private times: number[] = [];
  private oldest = 0;

  /** The number of requests in the minute ending now, this one included. */
  public add(now: number): number {
    this.times.push(now);
    while (this.times[this.oldest] <= now - MINUTE_MS) this.oldest++;
    // Compacts now and then instead of shifting on every request.
    if (this.oldest > 1_024 && this.oldest * 2 > this.times.length) {
      this.times = this.times.slice(this.oldest);
      this.oldest = 0;
    }
    return this.times.length - this.oldest;
  }
}

/**
 * Rate limiting and call statistics per token fingerprint. The limit is a token bucket holding one second of
 * requests (at least one), so a rate of N per minute is enforced smoothly instead of in minute-long bursts.
 */
@Injectable()
export class TrafficService {
  private readonly buckets = new Map<string, Bucket>();
  private readonly stats = new Map<string, CallStats>();
  private readonly total = emptyStats();
  private readonly windows = new Map<string, MinuteWindow>();
  private totalWindow = new MinuteWindow();
  private readonly requests = requestsCounter();

  /** 0 when the request may proceed, else the milliseconds until it could. */
  public takeRateLimit(fingerprint: string, perMinute: number | null): number {
    if (!perMinute) return 0;
    const perMs = perMinute / 60_000;
    const capacity = Math.max(1, Math.floor(perMinute / 60));
    const now = Date.now();
    const bucket = this.buckets.get(fingerprint) ?? { tokens: capacity, refilledAt: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.refilledAt) * perMs);
    bucket.refilledAt = now;
    this.buckets.set(fingerprint, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / perMs);
  }

  public record(
    fingerprint: string,
    endpoint: string,
    status: number,
    outcome: { rateLimited?: boolean; injected?: boolean; cut?: boolean } = {},
  ): void {
    this.requests.inc({ endpoint, status: String(status) });
    let stats = this.stats.get(fingerprint);
    if (!stats) {
      stats = emptyStats();
      this.stats.set(fingerprint, stats);
    }
    const now = Date.now();
    let window = this.windows.get(fingerprint);
    if (!window) {
      window = new MinuteWindow();
      this.windows.set(fingerprint, window);
    }
    stats.peakPerMinute = Math.max(stats.peakPerMinute, window.add(now));
    this.total.peakPerMinute = Math.max(this.total.peakPerMinute, this.totalWindow.add(now));
    for (const target of [stats, this.total]) {
      target.requests++;
      target.byEndpoint[endpoint] = (target.byEndpoint[endpoint] ?? 0) + 1;
      target.byStatus[status] = (target.byStatus[status] ?? 0) + 1;
      if (outcome.rateLimited) target.rateLimited++;
      if (outcome.injected) target.injectedErrors++;
      if (outcome.cut) target.cutConnections++;
    }
  }

  public statsFor(fingerprint: string): CallStats {
    return this.stats.get(fingerprint) ?? emptyStats();
  }

  /** `peakRequestsPerMinute`: the busiest minute over every token together, e.g. against a budget per IP. */
  public allStats(): { total: CallStats; agencies: Record<string, CallStats>; peakRequestsPerMinute: number } {
    return {
      total: this.total,
      agencies: Object.fromEntries(this.stats),
      peakRequestsPerMinute: this.total.peakPerMinute,
    };
  }

  public resetStats(fingerprint?: string): void {
    if (fingerprint) {
      this.stats.delete(fingerprint);
      this.windows.delete(fingerprint);
      return;
    }
    this.stats.clear();
    this.windows.clear();
    this.totalWindow = new MinuteWindow();
    Object.assign(this.total, emptyStats());
  }

  public resetLimits(): void {
    this.buckets.clear();
  }
}
