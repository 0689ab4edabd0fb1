import { Injectable } from '@nestjs/common';

import { CredentialsDatabase } from '../database/credentials-database';

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
}
