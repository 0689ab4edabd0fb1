import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { databaseNow } from '../database/database-now';
import { SyncDatabase } from '../database/sync-database';
import { Connection, ConnectionStatus } from './connection.entity';

/**
 * What the sync knows of each connection, learnt only from the credentials service's events. Methods that take an
 * `em` work in the caller's transaction (`em.transactional`); the others use a fork of their own.
 */
@Injectable()
export class ConnectionsRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly db: SyncDatabase,
  ) {}

  /**
   * Applies a status change unless a newer one was already applied (events can arrive out of order).
   * Returns whether it was applied. One compare-and-set statement: an upsert through the unit of work could not
   * tell an applied change from a stale one.
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

  public async find(connectionId: string): Promise<Connection | null> {
    return this.em.fork().findOne(Connection, connectionId);
  }

  /**
   * Reads the connection and holds a lock on it until `em`'s transaction ends: every decision about which run
   * answers a request is taken under it, so two schedulers never both create, merge or queue a follow-up from a
   * stale view. The lock is `for no key update`, which no LockMode expresses, so the workers' inserts referencing
   * the connection are not blocked; the row is mapped into `em` like any loaded entity.
   */
  public async lock(connectionId: string, em: EntityManager): Promise<Connection | null> {
    const [row] = await em.execute<Record<string, unknown>[]>(
      `select * from sync.connection where id = ? for no key update`,
      [connectionId],
    );
    return row ? em.map(Connection, row, { schema: 'sync' }) : null;
  }

  /**
   * Connections the tick must look at, with no queued or running run: connected ones whose interval has passed
   * or that have a follow-up waiting, and not connected ones with a follow-up waiting (it must end as failed).
   * One set-based statement; its rows are mapped into entities.
   */
  public async findDue(intervalMs: number, limit: number): Promise<Connection[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `select c.* from sync.connection c
       where (c.follow_up_run_id is not null
              or (c.status = 'connected'
                  and (c.last_enqueued_at is null or c.last_enqueued_at <= now() - (? * interval '1 millisecond'))))
         and not exists (select 1 from sync.run r where r.connection_id = c.id and r.status in ('queued', 'running'))
       order by c.follow_up_requested_at nulls last, c.last_enqueued_at nulls first
       limit ?`,
      [intervalMs, limit],
    );
    const em = this.em.fork();
    return rows.map((row) => em.map(Connection, row, { schema: 'sync' }));
  }

  public async markSucceeded(connectionId: string, full: boolean): Promise<void> {
    const now = databaseNow();
    await this.em
      .fork()
      .nativeUpdate(
        Connection,
        { id: connectionId },
        full ? { lastSuccessAt: now, lastFullAt: now } : { lastSuccessAt: now },
      );
  }

  public async markInvalid(connectionId: string, changedAt: Date): Promise<void> {
    await this.em
      .fork()
      .nativeUpdate(
        Connection,
        { id: connectionId, statusChangedAt: { $lte: changedAt } },
        { status: 'invalid', statusChangedAt: changedAt, updatedAt: databaseNow() },
      );
  }

  /** Seconds since each connected org's last successful sync (for the lag gauge): a report, not entities. */
  public async lagByTenant(): Promise<{ tenantId: string; lagSeconds: number }[]> {
    const rows = await this.db.query<{ tenantId: string; lagSeconds: string }>(
      `select tenant_id as "tenantId", extract(epoch from now() - coalesce(last_success_at, created_at)) as "lagSeconds"
       from sync.connection where status = 'connected'`,
    );
    return rows.map((row) => ({ tenantId: row.tenantId, lagSeconds: Number(row.lagSeconds) }));
  }
}
