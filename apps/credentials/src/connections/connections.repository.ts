import { Injectable } from '@nestjs/common';

import { StreamFreshness, StreamProgress } from '@pp/contracts';

import { CredentialsDatabase, Transaction } from '../database/credentials-database';
import { EncryptedToken } from '../encryption/token-cipher';

export type ConnectionStatus = 'connected' | 'invalid' | 'disconnected';
export type SyncRunStatus = 'running' | 'succeeded' | 'partial' | 'failed';

export interface ConnectionRow {
  id: string;
  tenantId: string;
  status: ConnectionStatus;
  statusReason: string | null;
  tokenHint: string | null;
  connectedAt: Date;
  tokenStoredAt: Date | null;
  lastValidatedAt: Date | null;
  disconnectedAt: Date | null;
  statusChangedAt: Date;
  lastSyncRunId: string | null;
  lastSyncStatus: SyncRunStatus | null;
  lastSyncStartedAt: Date | null;
  lastSyncFinishedAt: Date | null;
  lastSyncRecordsFetched: number | null;
  lastSyncError: string | null;
  runningSyncRunId: string | null;
  pendingSyncRunId: string | null;
  pendingSyncRequestedAt: Date | null;
  nextSyncAt: Date | null;
  lastSyncProgress: StreamProgress[] | null;
  lastSyncProgressRunId: string | null;
  lastSyncProgressAt: Date | null;
  freshness: StreamFreshness[] | null;
  freshnessAsOf: Date | null;
  postbackSyncRequestedAt: Date | null;
  postbackSyncDueAt: Date | null;
}

const COLUMNS = `id, tenant_id as "tenantId", status, status_reason as "statusReason", token_hint as "tokenHint",
  connected_at as "connectedAt", token_stored_at as "tokenStoredAt", last_validated_at as "lastValidatedAt",
  disconnected_at as "disconnectedAt", status_changed_at as "statusChangedAt", last_sync_run_id as "lastSyncRunId",
  last_sync_status as "lastSyncStatus", last_sync_started_at as "lastSyncStartedAt",
  last_sync_finished_at as "lastSyncFinishedAt", last_sync_records_fetched as "lastSyncRecordsFetched",
  last_sync_error as "lastSyncError", running_sync_run_id as "runningSyncRunId",
  pending_sync_run_id as "pendingSyncRunId", pending_sync_requested_at as "pendingSyncRequestedAt",
  next_sync_at as "nextSyncAt", last_sync_progress as "lastSyncProgress",
  last_sync_progress_run_id as "lastSyncProgressRunId", last_sync_progress_at as "lastSyncProgressAt",
  freshness, freshness_as_of as "freshnessAsOf", postback_sync_requested_at as "postbackSyncRequestedAt",
  postback_sync_due_at as "postbackSyncDueAt"`;

const DATE_FIELDS = [
  'connectedAt',
  'tokenStoredAt',
  'lastValidatedAt',
  'disconnectedAt',
  'statusChangedAt',
  'lastSyncStartedAt',
  'lastSyncFinishedAt',
  'pendingSyncRequestedAt',
  'nextSyncAt',
  'lastSyncProgressAt',
  'freshnessAsOf',
  'postbackSyncRequestedAt',
  'postbackSyncDueAt',
] as const;

/** MikroORM's driver hands timestamps back as strings. */
function toRow(raw: Record<string, unknown> | undefined): ConnectionRow | undefined {
  if (!raw) return undefined;
  const row = { ...raw };
  for (const field of DATE_FIELDS) if (row[field] != null) row[field] = new Date(row[field] as string);
  return row as unknown as ConnectionRow;
}

/** Every method takes the tenant explicitly: no statement here can touch another org's connection. */
@Injectable()
export class ConnectionsRepository {
  constructor(private readonly db: CredentialsDatabase) {}

  private async one(sql: string, params: unknown[], trx?: Transaction): Promise<ConnectionRow | undefined> {
    return toRow(await this.db.one<Record<string, unknown>>(sql, params, trx));
  }

  public async find(tenantId: string, trx?: Transaction): Promise<ConnectionRow | undefined> {
    return this.one(`select ${COLUMNS} from credentials.connection where tenant_id = ?`, [tenantId], trx);
  }

  public async findForUpdate(tenantId: string, trx: Transaction): Promise<ConnectionRow | undefined> {
    return this.one(`select ${COLUMNS} from credentials.connection where tenant_id = ? for update`, [tenantId], trx);
  }

  public async findById(tenantId: string, connectionId: string, trx?: Transaction): Promise<ConnectionRow | undefined> {
    return this.one(
      `select ${COLUMNS} from credentials.connection where tenant_id = ? and id = ?`,
      [tenantId, connectionId],
      trx,
    );
  }

  /** Serialises every change to one connection (requests, sync events, postbacks) behind its row lock. */
  public async lockById(tenantId: string, connectionId: string, trx: Transaction): Promise<ConnectionRow | undefined> {
    return this.one(
      `select ${COLUMNS} from credentials.connection where tenant_id = ? and id = ? for update`,
      [tenantId, connectionId],
      trx,
    );
  }

  /** Creates the org's connection row if it has none (concurrent first PUTs both end up with the same row). */
  public async ensure(tenantId: string, newId: string, now: Date, trx: Transaction): Promise<void> {
    await this.db.query(
      `insert into credentials.connection (id, tenant_id, status, connected_at, status_changed_at)
       values (?, ?, 'disconnected', ?, ?) on conflict (tenant_id) do nothing`,
      [newId, tenantId, now, now],
      trx,
    );
  }

  public async storeToken(
    input: {
      tenantId: string;
      connectionId: string;
      encrypted: EncryptedToken;
      hint: string;
      now: Date;
      reconnect: boolean;
    },
    trx: Transaction,
  ): Promise<void> {
    await this.db.query(
      `insert into credentials.connection_token (connection_id, tenant_id, key_id, nonce, ciphertext, encrypted_at)
       values (?, ?, ?, ?, ?, ?)
       on conflict (connection_id) do update set key_id = excluded.key_id, nonce = excluded.nonce,
         ciphertext = excluded.ciphertext, encrypted_at = excluded.encrypted_at`,
      [
        input.connectionId,
        input.tenantId,
        input.encrypted.keyId,
        input.encrypted.nonce,
        input.encrypted.ciphertext,
        input.now,
      ],
      trx,
    );
    await this.db.query(
      `update credentials.connection set status = 'connected', status_reason = null, token_hint = ?,
         token_stored_at = ?, last_validated_at = ?, disconnected_at = null, status_changed_at = ?,
         connected_at = case when ? then ? else connected_at end, updated_at = now()
       where tenant_id = ? and id = ?`,
      [input.hint, input.now, input.now, input.now, input.reconnect, input.now, input.tenantId, input.connectionId],
      trx,
    );
  }

  /** Deletes the secret row (not a flag) and marks the connection disconnected; synced data lives elsewhere. */
  public async destroyToken(tenantId: string, connectionId: string, now: Date, trx: Transaction): Promise<void> {
    await this.db.query(
      `delete from credentials.connection_token where tenant_id = ? and connection_id = ?`,
      [tenantId, connectionId],
      trx,
    );
    await this.db.query(
      `update credentials.connection set status = 'disconnected', status_reason = null, token_hint = null,
         token_stored_at = null, disconnected_at = ?, status_changed_at = ?, running_sync_run_id = null,
         pending_sync_run_id = null, pending_sync_requested_at = null, next_sync_at = null,
         postback_sync_requested_at = null, postback_sync_due_at = null, updated_at = now()
       where tenant_id = ? and id = ?`,
      [now, now, tenantId, connectionId],
      trx,
    );
  }

  public async findToken(
    tenantId: string,
    connectionId: string,
  ): Promise<(EncryptedToken & { connectionId: string }) | undefined> {
    return this.db.one(
      `select connection_id as "connectionId", key_id as "keyId", nonce, ciphertext
       from credentials.connection_token where tenant_id = ? and connection_id = ?`,
      [tenantId, connectionId],
    );
  }

  public async setPendingSync(
    tenantId: string,
    connectionId: string,
    syncRunId: string,
    now: Date,
    trx: Transaction,
  ): Promise<void> {
    await this.db.query(
      `update credentials.connection set pending_sync_run_id = ?, pending_sync_requested_at = ?, updated_at = now()
       where tenant_id = ? and id = ?`,
      [syncRunId, now, tenantId, connectionId],
      trx,
    );
  }

  public async recordRunStarted(
    input: {
      tenantId: string;
      connectionId: string;
      syncRunId: string;
      startedAt: Date;
    },
    trx: Transaction,
  ): Promise<void> {
    await this.db.query(
      `update credentials.connection set
         running_sync_run_id = ?,
         pending_sync_run_id = case when pending_sync_run_id = ? then null else pending_sync_run_id end,
         pending_sync_requested_at = case when pending_sync_run_id = ? then null else pending_sync_requested_at end,
         last_sync_run_id = ?, last_sync_status = 'running', last_sync_started_at = ?, last_sync_finished_at = null,
         last_sync_records_fetched = null, last_sync_error = null, updated_at = now()
       where tenant_id = ? and id = ?
         and (last_sync_started_at is null or last_sync_started_at <= ? or last_sync_run_id = ?)
         and not (last_sync_run_id is not distinct from ? and last_sync_status <> 'running')`,
      [
        input.syncRunId,
        input.syncRunId,
        input.syncRunId,
        input.syncRunId,
        input.startedAt,
        input.tenantId,
        input.connectionId,
        input.startedAt,
        input.syncRunId,
        input.syncRunId,
      ],
      trx,
    );
  }

  public async recordRunFinished(
    input: {
      tenantId: string;
      connectionId: string;
      syncRunId: string;
      status: SyncRunStatus;
      startedAt: Date;
      finishedAt: Date;
      recordsFetched: number;
      error: string | null;
      nextSyncAt: Date | null;
    },
    trx: Transaction,
  ): Promise<void> {
    await this.db.query(
      `update credentials.connection set
         running_sync_run_id = case when running_sync_run_id = ? then null else running_sync_run_id end,
         pending_sync_run_id = case when pending_sync_run_id = ? then null else pending_sync_run_id end,
         pending_sync_requested_at = case when pending_sync_run_id = ? then null else pending_sync_requested_at end,
         last_sync_run_id = ?, last_sync_status = ?, last_sync_started_at = ?, last_sync_finished_at = ?,
         last_sync_records_fetched = ?, last_sync_error = ?, next_sync_at = ?, updated_at = now()
       where tenant_id = ? and id = ?
         and (last_sync_started_at is null or last_sync_started_at <= ? or last_sync_run_id = ?)`,
      [
        input.syncRunId,
        input.syncRunId,
        input.syncRunId,
        input.syncRunId,
        input.status,
        input.startedAt,
        input.finishedAt,
        input.recordsFetched,
        input.error,
        input.nextSyncAt,
        input.tenantId,
        input.connectionId,
        input.startedAt,
        input.syncRunId,
      ],
      trx,
    );
  }

  /** A pending request that was merged into a run that started or finished is no longer pending. */
  public async clearSettledPending(tenantId: string, connectionId: string, trx: Transaction): Promise<void> {
    await this.db.query(
      `update credentials.connection c set pending_sync_run_id = null, pending_sync_requested_at = null,
         updated_at = now()
       where c.tenant_id = ? and c.id = ? and exists (
         select 1 from credentials.sync_request r
         where r.tenant_id = c.tenant_id and r.id = c.pending_sync_run_id and r.status <> 'queued')`,
      [tenantId, connectionId],
      trx,
    );
  }

  /** Only for the run credentials knows is running, and only a report newer than the one kept. */
  public async recordProgress(input: {
    tenantId: string;
    connectionId: string;
    syncRunId: string;
    reportedAt: Date;
    streams: StreamProgress[];
  }): Promise<void> {
    await this.db.query(
      `update credentials.connection set last_sync_progress = ?::jsonb, last_sync_progress_run_id = ?,
         last_sync_progress_at = ?, updated_at = now()
       where tenant_id = ? and id = ? and running_sync_run_id = ?
         and (last_sync_progress_run_id is distinct from ? or last_sync_progress_at < ?)`,
      [
        JSON.stringify(input.streams),
        input.syncRunId,
        input.reportedAt,
        input.tenantId,
        input.connectionId,
        input.syncRunId,
        input.syncRunId,
        input.reportedAt,
      ],
    );
  }

  /** Per stream, the entry of the latest finished run wins; streams a run did not report keep theirs. */
  public async recordFreshness(
    input: { tenantId: string; connectionId: string; finishedAt: Date; freshness: StreamFreshness[] },
    current: ConnectionRow,
    trx: Transaction,
  ): Promise<void> {
    if (current.freshnessAsOf && current.freshnessAsOf > input.finishedAt) return;
    const merged = new Map((current.freshness ?? []).map((entry) => [entry.stream, entry]));
    for (const entry of input.freshness) merged.set(entry.stream, entry);
    await this.db.query(
      `update credentials.connection set freshness = ?::jsonb, freshness_as_of = ?, updated_at = now()
       where tenant_id = ? and id = ?`,
      [JSON.stringify([...merged.values()]), input.finishedAt, input.tenantId, input.connectionId],
      trx,
    );
  }

  /**
   * Marks a connected connection invalid unless its token was replaced after the failure was detected
   * (the sync then used the old token). Returns whether the status changed.
   */
  public async markInvalid(input: {
    tenantId: string;
    connectionId: string;
    reason: string;
    detectedAt: Date;
  }): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      `update credentials.connection set status = 'invalid', status_reason = ?, status_changed_at = ?,
         running_sync_run_id = null, pending_sync_run_id = null, pending_sync_requested_at = null,
         next_sync_at = null, updated_at = now()
       where tenant_id = ? and id = ? and status = 'connected' and token_stored_at <= ?
       returning id`,
      [input.reason.slice(0, 500), input.detectedAt, input.tenantId, input.connectionId, input.detectedAt],
    );
    return rows.length > 0;
  }

  public async setPostbackSyncDue(
    tenantId: string,
    connectionId: string,
    dueAt: Date,
    trx: Transaction,
  ): Promise<void> {
    await this.db.query(
      `update credentials.connection set postback_sync_due_at = ?, updated_at = now() where tenant_id = ? and id = ?`,
      [dueAt, tenantId, connectionId],
      trx,
    );
  }

  public async markPostbackSyncRequested(
    tenantId: string,
    connectionId: string,
    requestedAt: Date,
    trx: Transaction,
  ): Promise<void> {
    await this.db.query(
      `update credentials.connection set postback_sync_requested_at = ?, postback_sync_due_at = null,
         updated_at = now()
       where tenant_id = ? and id = ?`,
      [requestedAt, tenantId, connectionId],
      trx,
    );
  }

  /** Locks connected connections whose trailing postback sync is due, skipping rows another replica holds. */
  public async lockPostbackSyncsDue(
    now: Date,
    limit: number,
    trx: Transaction,
  ): Promise<{ tenantId: string; connectionId: string }[]> {
    return this.db.query(
      `select tenant_id as "tenantId", id as "connectionId" from credentials.connection
       where postback_sync_due_at <= ? and status = 'connected'
       order by postback_sync_due_at limit ? for update skip locked`,
      [now, limit],
      trx,
    );
  }
}
