import { Injectable } from '@nestjs/common';

import { CredentialsDatabase, Transaction } from '../database/credentials-database';

export interface RateLimitVerdict {
  allowed: boolean;
  /** Seconds until the current window ends. */
  retryAfterSeconds: number;
}

/** Fixed-window counters in PostgreSQL, so every replica of the service counts the same attempts. */
@Injectable()
export class RateLimitRepository {
  constructor(private readonly db: CredentialsDatabase) {}

  public async hit(input: {
    tenantId: string;
    action: string;
    limit: number;
    windowSeconds: number;
    now: Date;
  }): Promise<RateLimitVerdict> {
    const windowMs = input.windowSeconds * 1000;
    const windowStart = new Date(Math.floor(input.now.getTime() / windowMs) * windowMs);
    const [row] = await this.db.query<{ hits: number }>(
      `insert into credentials.rate_limit_window (tenant_id, action, window_start, hits) values (?, ?, ?, 1)
       on conflict (tenant_id, action, window_start) do update set hits = credentials.rate_limit_window.hits + 1
       returning hits`,
      [input.tenantId, input.action, windowStart],
    );
    await this.db.query(
      `delete from credentials.rate_limit_window where tenant_id = ? and action = ? and window_start < ?`,
      [input.tenantId, input.action, windowStart],
    );
    return {
      allowed: row.hits <= input.limit,
      retryAfterSeconds: Math.max(1, Math.ceil((windowStart.getTime() + windowMs - input.now.getTime()) / 1000)),
    };
  }

  /**
   * Allows the action at most once per `intervalSeconds` (a sliding interval, unlike the windows above): one row per
   * org and action holding when it is allowed again, taken atomically. Inside the caller's transaction, so a request
   * that fails later does not use up the allowance.
   */
  public async cooldown(
    input: { tenantId: string; action: string; intervalSeconds: number; now: Date },
    trx: Transaction,
  ): Promise<RateLimitVerdict & { allowedAgainAt: Date }> {
    const next = new Date(input.now.getTime() + input.intervalSeconds * 1000);
    const [taken] = await this.db.query<{ allowedAgainAt: string }>(
      `insert into credentials.action_cooldown (tenant_id, action, allowed_again_at) values (?, ?, ?)
       on conflict (tenant_id, action) do update set allowed_again_at = excluded.allowed_again_at
         where credentials.action_cooldown.allowed_again_at <= ?
       returning allowed_again_at as "allowedAgainAt"`,
      [input.tenantId, input.action, next, input.now],
      trx,
    );
    if (taken) return { allowed: true, retryAfterSeconds: 0, allowedAgainAt: next };
    const row = await this.db.one<{ allowedAgainAt: string }>(
      `select allowed_again_at as "allowedAgainAt" from credentials.action_cooldown where tenant_id = ? and action = ?`,
      [input.tenantId, input.action],
      trx,
    );
    const allowedAgainAt = new Date(row!.allowedAgainAt);
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((allowedAgainAt.getTime() - input.now.getTime()) / 1000)),
      allowedAgainAt,
    };
  }
}
