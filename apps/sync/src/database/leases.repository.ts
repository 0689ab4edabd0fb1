import { raw } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { LeaderLease, OrgLease } from './leases.entity';
import { SyncDatabase, Transaction } from './sync-database';

/** `ttlMs` from the database's clock, read when the statement runs (a lease's expiry is only ever compared there). */
function expiresIn(ttlMs: number): Date {
  return raw(`clock_timestamp() + (? * interval '1 millisecond')`, [ttlMs]);
}

/**
 * Expiring leases in PostgreSQL: the scheduler's leadership (one row) and the per-org sync lease (one row per
 * connection). A holder keeps its lease by renewing it before it expires; anyone may take an expired one. Taking
 * one is a single compare-and-set statement (insert, or take over if ours or expired): the unit of work's upsert
 * cannot say whether it took the lease, so those two stay SQL.
 */
@Injectable()
export class LeasesRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly db: SyncDatabase,
  ) {}

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
    await this.em.fork().nativeDelete(LeaderLease, { name, holder });
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
    const renewed = await this.em
      .fork()
      .nativeUpdate(OrgLease, { connectionId, holder }, { expiresAt: expiresIn(ttlMs) }, { ctx: trx });
    return renewed > 0;
  }

  public async releaseOrg(connectionId: string, holder: string): Promise<void> {
    await this.em.fork().nativeDelete(OrgLease, { connectionId, holder });
  }

  /** The live org lease of a connection, if any. */
  public async liveOrgLease(connectionId: string): Promise<OrgLease | null> {
    return this.em.fork().findOne(OrgLease, { connectionId, expiresAt: { $gt: raw('clock_timestamp()') } });
  }
}
