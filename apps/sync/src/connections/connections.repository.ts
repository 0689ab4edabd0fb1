import { Injectable } from '@nestjs/common';

import { SyncDatabase } from '../database/sync-database';

export type ConnectionStatus = 'connected' | 'invalid' | 'disconnected';

export interface SyncConnection {
  id: string;
  ref: number;
  tenantId: string;
  status: ConnectionStatus;
  lastEnqueuedAt: Date | null;
  lastSuccessAt: Date | null;
  lastFullAt: Date | null;
  /** A full sync was asked for while a run was going; the scheduler enqueues it once that run is done. */
  fullSyncRequestedAt: Date | null;
}

const COLUMNS = `id, ref, tenant_id as "tenantId", status, last_enqueued_at as "lastEnqueuedAt",
  last_success_at as "lastSuccessAt", last_full_at as "lastFullAt", full_sync_requested_at as "fullSyncRequestedAt"`;

/** What the sync knows of each connection, learnt only from the credentials service's events. */
@Injectable()
export class ConnectionsRepository {
  constructor(private readonly db: SyncDatabase) {}

  /**
   * Applies a status change unless a newer one was already applied (events can arrive out of order).
   * Returns whether it was applied.
   */
  public async applyStatus(input: {
    connectionId: string;
    tenantId: string;
    status: ConnectionStatus;
    changedAt: Date;
  }): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      `insert into sync.connection (id, tenant_id, status, status_changed_at)
       values (?, ?, ?, ?)
       on conflict (id) do update set status = excluded.status, status_changed_at = excluded.status_changed_at,
         tenant_id = excluded.tenant_id, updated_at = now()
       where sync.connection.status_changed_at <= excluded.status_changed_at
       returning id`,
      [input.connectionId, input.tenantId, input.status, input.changedAt],
    );
    return rows.length > 0;
  }

  public async find(connectionId: string): Promise<SyncConnection | undefined> {
    return this.db.one<SyncConnection>(`select ${COLUMNS} from sync.connection where id = ?`, [connectionId]);
  }

  /** Connected connections whose interval has passed and that have no queued or running run. */
  public async findDue(intervalMs: number, limit: number): Promise<SyncConnection[]> {
    return this.db.query<SyncConnection>(
      `select ${COLUMNS} from sync.connection c
       where c.status = 'connected'
         and (c.last_enqueued_at is null or c.last_enqueued_at <= now() - (? * interval '1 millisecond')
              or c.full_sync_requested_at is not null)
         and not exists (select 1 from sync.run r where r.connection_id = c.id and r.status in ('queued', 'running'))
       order by c.full_sync_requested_at nulls last, c.last_enqueued_at nulls first
       limit ?`,
      [intervalMs, limit],
    );
  }

  /** Keeps a full sync asked for while a run is going (the earliest such request, if several). */
  public async requestFullSync(connectionId: string): Promise<void> {
    await this.db.query(
      `update sync.connection set full_sync_requested_at = coalesce(full_sync_requested_at, now()) where id = ?`,
      [connectionId],
    );
  }

  public async markSucceeded(connectionId: string, full: boolean): Promise<void> {
    await this.db.query(
      `update sync.connection set last_success_at = now(), last_full_at = case when ? then now() else last_full_at end
       where id = ?`,
      [full, connectionId],
    );
  }

  public async markInvalid(connectionId: string, changedAt: Date): Promise<void> {
    await this.db.query(
      `update sync.connection set status = 'invalid', status_changed_at = ?, updated_at = now()
       where id = ? and status_changed_at <= ?`,
      [changedAt, connectionId, changedAt],
    );
  }

  /** Seconds since each connected org's last successful sync (for the lag gauge). */
  public async lagByTenant(): Promise<{ tenantId: string; lagSeconds: number }[]> {
    const rows = await this.db.query<{ tenantId: string; lagSeconds: string }>(
      `select tenant_id as "tenantId", extract(epoch from now() - coalesce(last_success_at, created_at)) as "lagSeconds"
       from sync.connection where status = 'connected'`,
    );
    return rows.map((row) => ({ tenantId: row.tenantId, lagSeconds: Number(row.lagSeconds) }));
  }
}
