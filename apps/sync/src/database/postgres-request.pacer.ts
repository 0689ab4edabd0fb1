import { Histogram, register } from 'prom-client';

import { sleep } from '@pp/common';
import { RequestPacer } from '@pp/partnerstack-client';

import { GLOBAL_PACER_BURST_SECONDS, GLOBAL_PACER_JITTER_SECONDS, PACER_ACTIVE_WINDOW_MS } from '../sync.constants';
import { SyncDatabase } from './sync-database';

const GLOBAL_BUCKET = 'partnerstack';

const WAIT_METRIC = 'pp_sync_pacer_wait_seconds';

/** `token`: held by its token's bucket (own pace or fair share); `global`: only by the deployment's budget. */
type WaitLimit = 'none' | 'token' | 'global';

const waitSeconds =
  (register.getSingleMetric(WAIT_METRIC) as Histogram<'limit'> | undefined) ??
  new Histogram({
    name: WAIT_METRIC,
    help: 'Time a PartnerStack request waited for the pacer, by the limit that held it',
    labelNames: ['limit'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });

/**
 * Books one request on the global bucket at the moment it is asked for (`source` gates it). Bookings are serialised
 * by the row lock and `clock_timestamp()` is read after it, so the refill never counts a moment twice, whatever the
 * number of workers.
 */
const bookGlobal = (source: string) => `
  insert into sync.global_pacer as g (name, tokens, refilled_at)
  select ?, ?::float8 - 1, clock_timestamp() ${source}
  on conflict (name) do update set
    tokens = least(?::float8, g.tokens + extract(epoch from clock_timestamp() - g.refilled_at) * 1000 * ?::float8) - 1,
    refilled_at = clock_timestamp()
  returning tokens`;

export interface PacerLimits {
  /** Per token, across every worker (PARTNERSTACK_REQUESTS_PER_MINUTE). */
  perTokenPerMinute: number;
  /** Across every token and worker of the deployment (PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE). */
  globalPerMinute: number;
}

/**
 * Paces requests across every worker process on two levels, both token buckets in PostgreSQL that a caller books
 * "on credit" (the balance goes negative) and then sleeps until its slot, so waiters queue in order without polling:
 *
 * - one row per token fingerprint, refilling at the token's pace but never faster than an equal share of the global
 *   budget among the tokens that requested in the last `PACER_ACTIVE_WINDOW_MS`: a large first sync cannot crowd
 *   out the small syncs of other orgs, and a token needing less than its share is never held back;
 * - one global row, booked only once the token's slot is due, so every request leaves at its global slot: one sent
 *   later than its slot could bunch with the next ones, and the total in a sliding minute could pass the budget.
 *
 * When the token's bucket has a token, both are booked in one statement (the usual case: one round trip).
 */
export class PostgresRequestPacer implements RequestPacer {
  private readonly tokenPerMs: number;
  private readonly globalPerMs: number;
  private readonly globalCapacity: number;

  constructor(
    private readonly db: SyncDatabase,
    limits: PacerLimits,
  ) {
    this.tokenPerMs = limits.perTokenPerMinute / 60_000;
    // A full bucket plus a (minute + jitter) of refill is exactly the budget: no sliding minute can see more.
    this.globalCapacity = (limits.globalPerMinute * GLOBAL_PACER_BURST_SECONDS) / 60;
    this.globalPerMs = (limits.globalPerMinute - this.globalCapacity) / ((60 + GLOBAL_PACER_JITTER_SECONDS) * 1000);
  }

  public async acquire(tokenFingerprint: string): Promise<void> {
    const started = Date.now();
    const row = await this.db.one<{ tokens: number; perMs: number; global: number | null }>(
      `with
       requesting as (
         select count(*) + 1 as n from sync.request_pacer
         where refilled_at > clock_timestamp() - ? * interval '1 millisecond' and fingerprint <> ?
       ),
       pace as (select least(?::float8, ?::float8 / n) as per_ms from requesting),
       booked_token as (
         insert into sync.request_pacer as p (fingerprint, tokens, refilled_at)
         select ?, greatest(1, floor(per_ms * 1000)) - 1, clock_timestamp() from pace
         on conflict (fingerprint) do update set
           tokens = (select least(greatest(1, floor(per_ms * 1000)), p.tokens
                       + extract(epoch from clock_timestamp() - p.refilled_at) * 1000 * per_ms) - 1 from pace),
           refilled_at = clock_timestamp()
         returning tokens
       ),
       booked_global as (${bookGlobal('from booked_token where tokens >= 0')})
       select b.tokens, (select per_ms from pace) as "perMs", (select tokens from booked_global) as global
       from booked_token b`,
      [
        PACER_ACTIVE_WINDOW_MS,
        tokenFingerprint,
        this.tokenPerMs,
        this.globalPerMs,
        tokenFingerprint,
        ...this.globalParams(),
      ],
    );
    if (!row) throw new Error('The request pacer booked nothing');
    let global = row.global === null ? null : Number(row.global);
    let limit: WaitLimit = 'none';
    if (global === null) {
      limit = 'token';
      await sleep(Math.ceil(-Number(row.tokens) / Number(row.perMs)));
      global = await this.bookGlobalNow();
    }
    if (global < 0) {
      if (limit === 'none') limit = 'global';
      await sleep(Math.ceil(-global / this.globalPerMs));
    }
    waitSeconds.observe({ limit }, (Date.now() - started) / 1000);
  }

  private async bookGlobalNow(): Promise<number> {
    const row = await this.db.one<{ tokens: number }>(bookGlobal(''), this.globalParams());
    return Number(row?.tokens ?? 0);
  }

  private globalParams(): unknown[] {
    return [GLOBAL_BUCKET, this.globalCapacity, this.globalCapacity, this.globalPerMs];
  }
}
