import { Injectable } from '@nestjs/common';

import { SYNC_MODES, SYNC_REASONS } from '@pp/contracts';

import { CredentialsDatabase, Transaction } from '../database/credentials-database';
import { SyncRunStatus } from '../connections/connections.repository';

export type SyncRequestStatus = 'queued' | SyncRunStatus;
export type SyncMode = (typeof SYNC_MODES)[number];
export type SyncReason = (typeof SYNC_REASONS)[number];

export interface SyncRequestRow {
  id: string;
  mode: SyncMode;
  reason: SyncReason;
  runId: string;
  status: SyncRequestStatus;
  requestedAt: Date;
  finishedAt: Date | null;
}

const COLUMNS = `id, mode, reason, run_id as "runId", status, requested_at as "requestedAt", finished_at as "finishedAt"`;

function toRow(raw: Record<string, unknown> | undefined): SyncRequestRow | undefined {
  if (!raw) return undefined;
  return {
    ...(raw as unknown as SyncRequestRow),
    requestedAt: new Date(raw.requestedAt as string),
    finishedAt: raw.finishedAt ? new Date(raw.finishedAt as string) : null,
  };
}

/**
 * The run ids credentials handed out and what became of each: the run it is, or was merged into, and that run's
 * outcome. Updated from sync's events in any order: each handler runs under the connection's row lock, and run
 * outcomes are kept (sync_run_report) so a merge arriving after its target finished still settles.
 */
@Injectable()
export class SyncRequestsRepository {
  constructor(private readonly db: CredentialsDatabase) {}

  public async create(
    input: {
      id: string;
      tenantId: string;
      connectionId: string;
      mode: SyncMode;
      reason: SyncReason;
      requestedAt: Date;
    },
    trx: Transaction,
  ): Promise<void> {
    await this.db.query(
      `insert into credentials.sync_request (id, tenant_id, connection_id, mode, reason, run_id, status, requested_at)
       values (?, ?, ?, ?, ?, ?, 'queued', ?)`,
      [input.id, input.tenantId, input.connectionId, input.mode, input.reason, input.id, input.requestedAt],
      trx,
    );
  }

  public async latest(tenantId: string, connectionId: string, trx?: Transaction): Promise<SyncRequestRow | undefined> {
    return toRow(
      await this.db.one<Record<string, unknown>>(
        `select ${COLUMNS} from credentials.sync_request where tenant_id = ? and connection_id = ?
         order by requested_at desc, id desc limit 1`,
        [tenantId, connectionId],
        trx,
      ),
    );
  }

  public async find(tenantId: string, connectionId: string, id: string): Promise<SyncRequestRow | undefined> {
    return toRow(
      await this.db.one<Record<string, unknown>>(
        `select ${COLUMNS} from credentials.sync_request where tenant_id = ? and connection_id = ? and id = ?`,
        [tenantId, connectionId, id],
      ),
    );
  }

  /** The newest full request not started yet and asked for after `since`, if any. */
  public async pendingFull(
    tenantId: string,
    connectionId: string,
    since: Date,
    trx: Transaction,
  ): Promise<SyncRequestRow | undefined> {
    return toRow(
      await this.db.one<Record<string, unknown>>(
        `select ${COLUMNS} from credentials.sync_request
         where tenant_id = ? and connection_id = ? and mode = 'full' and status = 'queued' and requested_at > ?
         order by requested_at desc, id desc limit 1`,
        [tenantId, connectionId, since],
        trx,
      ),
    );
  }

  public async runStarted(
    input: { tenantId: string; connectionId: string; runId: string },
    trx: Transaction,
  ): Promise<void> {
    await this.db.query(
      `insert into credentials.sync_run_report (connection_id, run_id, tenant_id, status) values (?, ?, ?, 'running')
       on conflict (connection_id, run_id) do nothing`,
      [input.connectionId, input.runId, input.tenantId],
      trx,
    );
    await this.db.query(
      `update credentials.sync_request set status = 'running'
       where tenant_id = ? and connection_id = ? and run_id = ? and status = 'queued'`,
      [input.tenantId, input.connectionId, input.runId],
      trx,
    );
  }

  public async runFinished(
    input: { tenantId: string; connectionId: string; runId: string; status: SyncRunStatus; finishedAt: Date },
    trx: Transaction,
  ): Promise<void> {
    await this.db.query(
      `insert into credentials.sync_run_report (connection_id, run_id, tenant_id, status, finished_at)
       values (?, ?, ?, ?, ?)
       on conflict (connection_id, run_id) do update set status = excluded.status, finished_at = excluded.finished_at,
         reported_at = now()`,
      [input.connectionId, input.runId, input.tenantId, input.status, input.finishedAt],
      trx,
    );
    await this.db.query(
      `update credentials.sync_request set status = ?, finished_at = ?
       where tenant_id = ? and connection_id = ? and run_id = ? and status in ('queued', 'running')`,
      [input.status, input.finishedAt, input.tenantId, input.connectionId, input.runId],
      trx,
    );
  }

  /** The request (and anything already merged into it) now follows the target run, taking its outcome if known. */
  public async merged(
    input: { tenantId: string; connectionId: string; runId: string; intoRunId: string },
    trx: Transaction,
  ): Promise<void> {
    await this.db.query(
      `update credentials.sync_request r set run_id = ?,
         status = coalesce(report.status, 'queued'), finished_at = report.finished_at
       from (select 1) one
         left join credentials.sync_run_report report on report.connection_id = ? and report.run_id = ?
       where r.tenant_id = ? and r.connection_id = ? and (r.id = ? or r.run_id = ?)
         and r.status in ('queued', 'running')`,
      [
        input.intoRunId,
        input.connectionId,
        input.intoRunId,
        input.tenantId,
        input.connectionId,
        input.runId,
        input.runId,
      ],
      trx,
    );
  }

  /** Requests that will never run now that the token is gone. */
  public async failOpen(tenantId: string, connectionId: string, now: Date, trx: Transaction): Promise<void> {
    await this.db.query(
      `update credentials.sync_request set status = 'failed', finished_at = ?
       where tenant_id = ? and connection_id = ? and status in ('queued', 'running')`,
      [now, tenantId, connectionId],
      trx,
    );
  }

  /** Forgets run outcomes and requests older than `before`, except each connection's latest request (shown). */
  public async purgeBefore(before: Date): Promise<void> {
    await this.db.query(`delete from credentials.sync_run_report where reported_at < ?`, [before]);
    await this.db.query(
      `delete from credentials.sync_request r where r.requested_at < ? and exists (
         select 1 from credentials.sync_request newer
         where newer.connection_id = r.connection_id and newer.requested_at > r.requested_at)`,
      [before],
    );
  }
}
