import { SyncDatabase } from '../database/sync-database';

/** Issue 15: a connection is stale once this many of its intervals passed without a successful sync. */
export const STALE_AFTER_INTERVALS = 3;

export interface StaleConnection {
  id: string;
  tenantId: string;
  lastSucceededAt: Date | null;
  /** Since when the episode runs: the last success, or the connection's creation if it never succeeded. */
  since: Date;
}

/**
 * Connections that became stale within a window of the tick: connected, and their last success (or creation) fell
 * `STALE_AFTER_INTERVALS` intervals behind between `from` (else `lookBackMs` ago) and now. Asking only for the crossing keeps one episode
 * to one event without storing anything: the next tick's window starts where this one's ended.
 */
export class StaleSyncsRepository {
  constructor(private readonly db: SyncDatabase) {}

  /** The window ends at the database's now, returned as `checkedTo`: the next window starts there. One statement. */
  public async becameStale(
    intervalMs: number,
    from: Date | null,
    lookBackMs: number,
  ): Promise<{ stale: StaleConnection[]; checkedTo: Date }> {
    const staleAfterMs = intervalMs * STALE_AFTER_INTERVALS;
    const rows = await this.db.query<{
      checked_to: Date;
      id: string | null;
      tenant_id: string;
      last_success_at: Date | null;
      since: Date;
    }>(
      `with clock as (select now() as checked_to)
       select clock.checked_to, s.id, s.tenant_id, s.last_success_at, s.since
         from clock
         left join lateral (
           select c.id, c.tenant_id, c.last_success_at, coalesce(c.last_success_at, c.created_at) as since
             from sync.connection c
            where c.status = 'connected'
              and coalesce(c.last_success_at, c.created_at) + (? * interval '1 millisecond')
                  > coalesce(?::timestamptz, clock.checked_to - (? * interval '1 millisecond'))
              and coalesce(c.last_success_at, c.created_at) + (? * interval '1 millisecond') <= clock.checked_to
         ) s on true`,
      [staleAfterMs, from, lookBackMs, staleAfterMs],
    );
    return {
      checkedTo: new Date(rows[0].checked_to),
      stale: rows
        .filter((row) => row.id !== null)
        .map((row) => ({
          id: row.id!,
          tenantId: row.tenant_id,
          lastSucceededAt: row.last_success_at ? new Date(row.last_success_at) : null,
          since: new Date(row.since),
        })),
    };
  }
}
