import { Injectable } from '@nestjs/common';

import { SyncDatabase, Transaction } from './sync-database';

/**
 * Expiring leases in PostgreSQL: the scheduler's leadership (one row) and the per-org sync lease (one row per
 * connection). A holder keeps its lease by renewing it before it expires; anyone may take an expired one.
 */
@Injectable()
export class LeasesRepository {
  constructor(private readonly db: SyncDatabase) {}

  /** Takes or renews the named leader lease; true while this holder is the leader. */
  public async holdLeadership(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const rows = await this.db.query<{ holder: string }>(
      `insert into sync.leader_lease as l (name, holder, expires_at)
       values (?, ?, clock_timestamp() + (? * interval '1 millisecond'))
       on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at
       where l.holder = excluded.holder or l.expires_at < clock_timestamp()
       returning holder`,
      [name, holder, ttlMs],
    );
    return rows.length > 0;
  }

  public async releaseLeadership(name: string, holder: string): Promise<void> {
    await this.db.query(`delete from sync.leader_lease where name = ? and holder = ?`, [name, holder]);
  }

  /** Takes the org lease for a run if it is free, expired, or already ours. */
  public async acquireOrg(connectionId: string, holder: string, runId: string, ttlMs: number): Promise<boolean> {
    const rows = await this.db.query<{ holder: string }>(
      `insert into sync.org_lease as l (connection_id, holder, run_id, expires_at)
       values (?, ?, ?, clock_timestamp() + (? * interval '1 millisecond'))
       on conflict (connection_id) do update
         set holder = excluded.holder, run_id = excluded.run_id, expires_at = excluded.expires_at
       where l.holder = excluded.holder or l.expires_at < clock_timestamp()
       returning holder`,
      [connectionId, holder, runId, ttlMs],
    );
    return rows.length > 0;
  }

  /** Extends our org lease; false when it is no longer ours (it expired and another worker took it). */
  public async renewOrg(connectionId: string, holder: string, ttlMs: number, trx?: Transaction): Promise<boolean> {
    const rows = await this.db.query<{ holder: string }>(
      `update sync.org_lease set expires_at = clock_timestamp() + (? * interval '1 millisecond')
       where connection_id = ? and holder = ? returning holder`,
      [ttlMs, connectionId, holder],
      trx,
    );
    return rows.length > 0;
  }

  public async releaseOrg(connectionId: string, holder: string): Promise<void> {
    await this.db.query(`delete from sync.org_lease where connection_id = ? and holder = ?`, [connectionId, holder]);
  }

  /** The live holder of an org lease, if any. */
  public async orgHolder(connectionId: string): Promise<{ holder: string; runId: string } | undefined> {
    return this.db.one<{ holder: string; runId: string }>(
      `select holder, run_id as "runId" from sync.org_lease where connection_id = ? and expires_at > clock_timestamp()`,
      [connectionId],
    );
  }
}
