import { Injectable } from '@nestjs/common';

import { SYNC_MODES, SYNC_REASONS } from '@pp/contracts';

import { SyncDatabase, Transaction } from '../database/sync-database';

export type ConnectionStatus = 'connected' | 'invalid' | 'disconnected';

/** A run asked for while another was running: it starts, under its own id, once that one has ended. */
export interface FollowUpRun {
  runId: string;
  mode: (typeof SYNC_MODES)[number];
  reason: (typeof SYNC_REASONS)[number];
  correlationId: string;
  requestedAt: Date;
}

export interface SyncConnection {
  id: string;
  ref: number;
  tenantId: string;
  status: ConnectionStatus;
  lastEnqueuedAt: Date | null;
  lastSuccessAt: Date | null;
  lastFullAt: Date | null;
  followUp: FollowUpRun | null;
}

interface ConnectionRow extends Omit<SyncConnection, 'followUp'> {
  followUpRunId: string | null;
  followUpMode: FollowUpRun['mode'] | null;
  followUpReason: FollowUpRun['reason'] | null;
  followUpCorrelationId: string | null;
  followUpRequestedAt: Date | null;
}

const COLUMNS = `id, ref, tenant_id as "tenantId", status, last_enqueued_at as "lastEnqueuedAt",
  last_success_at as "lastSuccessAt", last_full_at as "lastFullAt", follow_up_run_id as "followUpRunId",
  follow_up_mode as "followUpMode", follow_up_reason as "followUpReason",
  follow_up_correlation_id as "followUpCorrelationId", follow_up_requested_at as "followUpRequestedAt"`;

function toConnection(row: ConnectionRow | undefined): SyncConnection | undefined {
  if (!row) return undefined;
  const { followUpRunId, followUpMode, followUpReason, followUpCorrelationId, followUpRequestedAt, ...rest } = row;
  // The table's check constraint keeps the five follow-up columns all set or all null.
  const followUp =
    followUpRunId && followUpMode && followUpReason && followUpCorrelationId && followUpRequestedAt
      ? {
          runId: followUpRunId,
          mode: followUpMode,
          reason: followUpReason,
          correlationId: followUpCorrelationId,
          requestedAt: followUpRequestedAt,
        }
      : null;
  return { ...rest, followUp };
}

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
    return toConnection(
      await this.db.one<ConnectionRow>(`select ${COLUMNS} from sync.connection where id = ?`, [connectionId]),
    );
  }

  /**
   * Reads the connection and holds a lock on it until `trx` ends: every decision about which run answers a request
   * is taken under it, so two schedulers never both create, merge or queue a follow-up from a stale view. (No key
   * update, so the workers' inserts referencing the connection are not blocked.)
   */
  public async lock(connectionId: string, trx: Transaction): Promise<SyncConnection | undefined> {
    return toConnection(
      await this.db.one<ConnectionRow>(
        `select ${COLUMNS} from sync.connection where id = ? for no key update`,
        [connectionId],
        trx,
      ),
    );
  }

  /**
   * Connections the tick must look at, with no queued or running run: connected ones whose interval has passed
   * or that have a follow-up waiting, and not connected ones with a follow-up waiting (it must end as failed).
   */
  public async findDue(intervalMs: number, limit: number): Promise<SyncConnection[]> {
    const rows = await this.db.query<ConnectionRow>(
      `select ${COLUMNS} from sync.connection c
       where (c.follow_up_run_id is not null
              or (c.status = 'connected'
                  and (c.last_enqueued_at is null or c.last_enqueued_at <= now() - (? * interval '1 millisecond'))))
         and not exists (select 1 from sync.run r where r.connection_id = c.id and r.status in ('queued', 'running'))
       order by c.follow_up_requested_at nulls last, c.last_enqueued_at nulls first
       limit ?`,
      [intervalMs, limit],
    );
    return rows.map((row) => toConnection(row)!);
  }

  public async setFollowUp(connectionId: string, followUp: FollowUpRun, trx: Transaction): Promise<void> {
    await this.db.query(
      `update sync.connection set follow_up_run_id = ?, follow_up_mode = ?, follow_up_reason = ?,
         follow_up_correlation_id = ?, follow_up_requested_at = ?
       where id = ?`,
      [followUp.runId, followUp.mode, followUp.reason, followUp.correlationId, followUp.requestedAt, connectionId],
      trx,
    );
  }

  /** Makes the waiting follow-up full (a request merged into it asked for a full sync). */
  public async makeFollowUpFull(connectionId: string, trx: Transaction): Promise<void> {
    await this.db.query(
      `update sync.connection set follow_up_mode = 'full' where id = ? and follow_up_run_id is not null`,
      [connectionId],
      trx,
    );
  }

  public async clearFollowUp(connectionId: string, trx: Transaction): Promise<void> {
    await this.db.query(
      `update sync.connection set follow_up_run_id = null, follow_up_mode = null, follow_up_reason = null,
         follow_up_correlation_id = null, follow_up_requested_at = null
       where id = ?`,
      [connectionId],
      trx,
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
