import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';

import { PermanentMessageError } from '@pp/messaging';

import { databaseNow } from '../database/database-now';
import { SyncDatabase } from '../database/sync-database';
import { Connection, ConnectionStatus } from './connection.entity';

/**
 * What the sync knows of each connection, learnt only from the credentials service's events. Methods that take an
 * `em` work in the caller's transaction (`em.transactional`); the others use a fork of their own.
 */
/** A connection event that names another tenant than the one the connection belongs to. */
export class ConnectionTenantMismatchError extends PermanentMessageError {
  constructor(connectionId: string, ownerTenantId: string, claimedTenantId: string) {
    super(
      `tenant mismatch: connection '${connectionId}' belongs to tenant '${ownerTenantId}', the event names tenant '${claimedTenantId}'`,
    );
    this.name = 'ConnectionTenantMismatchError';
  }
}

@Injectable()
export class ConnectionsRepository {
  private readonly logger = new Logger(ConnectionsRepository.name);

  constructor(
    private readonly em: EntityManager,
    private readonly db: SyncDatabase,
  ) {}

  /**
   * Applies a status change unless a newer one was already applied (events can arrive out of order).
   * Returns whether it was applied. One compare-and-set statement: an upsert through the unit of work could not
   * tell an applied change from a stale one. A connection never changes tenant: an event naming another tenant for
   * a known connection (a buggy or compromised publisher) is refused with ConnectionTenantMismatchError, so the
   * dispatcher dead-letters it with the reason instead of moving the connection and its data between tenants.
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
         updated_at = now()
       where sync.connection.tenant_id = excluded.tenant_id
         and sync.connection.status_changed_at <= excluded.status_changed_at
       returning id`,
      [input.connectionId, input.tenantId, input.status, input.changedAt],
    );
    if (rows.length > 0) return true;
    const [owner] = await this.db.query<{ tenantId: string }>(
      `select tenant_id as "tenantId" from sync.connection where id = ?`,
      [input.connectionId],
    );
    if (owner && owner.tenantId !== input.tenantId) {
      this.logger.error(
        {
          connectionId: input.connectionId,
          tenantId: owner.tenantId,
          claimedTenantId: input.tenantId,
          status: input.status,
        },
        `Refused a connection event for connection '${input.connectionId}': it belongs to tenant '${owner.tenantId}', the event names '${input.tenantId}'`,
      );
      throw new ConnectionTenantMismatchError(input.connectionId, owner.tenantId, input.tenantId);
    }
    return false;
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
