import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { CredentialsDatabase } from '../database/credentials-database';
import { ActionCooldown } from './action-cooldown.entity';
import { RateLimitWindow } from './rate-limit-window.entity';

export interface RateLimitVerdict {
  allowed: boolean;
  /** Seconds until the current window ends. */
  retryAfterSeconds: number;
}

/**
 * Fixed-window counters in PostgreSQL, so every replica of the service counts the same attempts. The two takes
 * (count a hit, claim a cooldown) stay single SQL statements: their atomicity across replicas is the point.
 */
@Injectable()
export class RateLimitRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly db: CredentialsDatabase,
  ) {}

  public async hit(input: {
    tenantId: string;
    action: string;
    limit: number;
    windowSeconds: number;
    now: Date;
  }): Promise<RateLimitVerdict> {
    const { tenantId, action } = input;
    const windowMs = input.windowSeconds * 1000;
    const windowStart = new Date(Math.floor(input.now.getTime() / windowMs) * windowMs);
    const [window] = await this.db.query<Pick<RateLimitWindow, 'hits'>>(
      `insert into credentials.rate_limit_window (tenant_id, action, window_start, hits) values (?, ?, ?, 1)
       on conflict (tenant_id, action, window_start) do update set hits = credentials.rate_limit_window.hits + 1
       returning hits`,
      [tenantId, action, windowStart],
    );
    await this.em.fork().nativeDelete(RateLimitWindow, { tenantId, action, windowStart: { $lt: windowStart } });
    return {
      allowed: window.hits <= input.limit,
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
    em: EntityManager,
  ): Promise<RateLimitVerdict & { allowedAgainAt: Date }> {
    const { tenantId, action } = input;
    const next = new Date(input.now.getTime() + input.intervalSeconds * 1000);
    const taken = await this.db.query(
      `insert into credentials.action_cooldown (tenant_id, action, allowed_again_at) values (?, ?, ?)
       on conflict (tenant_id, action) do update set allowed_again_at = excluded.allowed_again_at
         where credentials.action_cooldown.allowed_again_at <= ?
       returning 1`,
      [tenantId, action, next, input.now],
      em.getTransactionContext(),
    );
    if (taken.length > 0) return { allowed: true, retryAfterSeconds: 0, allowedAgainAt: next };
    const { allowedAgainAt } = await em.findOneOrFail(ActionCooldown, { tenantId, action }, { refresh: true });
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((allowedAgainAt.getTime() - input.now.getTime()) / 1000)),
      allowedAgainAt,
    };
  }
}
