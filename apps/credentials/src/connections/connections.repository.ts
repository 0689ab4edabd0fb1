import { LockMode, raw } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { StreamFreshness, StreamProgress } from '@pp/contracts';

import { CredentialsDatabase } from '../database/credentials-database';
import { EncryptedToken } from '../encryption/token-cipher';
import { ConnectionToken } from './connection-token.entity';
import { Connection, SyncRunStatus } from './connection.entity';

/** `updated_at` keeps the database's clock, as its column default does. */
function databaseNow(): Date {
  return raw('now()');
}

/**
 * Every method takes the tenant explicitly: no statement here can touch another org's connection. Methods that take
 * an `em` run in the caller's transaction (`em.transactional`); without one they use a fork of their own. Reads
 * refresh, since the updates here go straight to the database, past the identity map.
 */
@Injectable()
export class ConnectionsRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly db: CredentialsDatabase,
  ) {}

  public async find(tenantId: string, em: EntityManager = this.em.fork()): Promise<Connection | null> {
    return em.findOne(Connection, { tenantId }, { refresh: true });
  }

  public async findForUpdate(tenantId: string, em: EntityManager): Promise<Connection | null> {
    return em.findOne(Connection, { tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  public async findById(
    tenantId: string,
    connectionId: string,
    em: EntityManager = this.em.fork(),
  ): Promise<Connection | null> {
    return em.findOne(Connection, { tenantId, id: connectionId }, { refresh: true });
  }

  /** Serialises every change to one connection (requests, sync events, postbacks) behind its row lock. */
  public async lockById(tenantId: string, connectionId: string, em: EntityManager): Promise<Connection | null> {
    return em.findOne(
      Connection,
      { tenantId, id: connectionId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
  }

  /** Creates the org's connection row if it has none (concurrent first PUTs both end up with the same row). */
  public async ensure(tenantId: string, newId: string, now: Date, em: EntityManager): Promise<void> {
    await em
      .createQueryBuilder(Connection)
      .insert({ id: newId, tenantId, status: 'disconnected', connectedAt: now, statusChangedAt: now })
      .onConflict('tenantId')
      .ignore()
      .execute();
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
    em: EntityManager,
  ): Promise<void> {
    const { tenantId, connectionId, encrypted, now } = input;
    await em.upsert(
      ConnectionToken,
      { connectionId, tenantId, ...encrypted, encryptedAt: now },
      { onConflictMergeFields: ['keyId', 'nonce', 'ciphertext', 'encryptedAt'] },
    );
    await em.nativeUpdate(
      Connection,
      { tenantId, id: connectionId },
      {
        status: 'connected',
        statusReason: null,
        tokenHint: input.hint,
        tokenStoredAt: now,
        lastValidatedAt: now,
        disconnectedAt: null,
        statusChangedAt: now,
        ...(input.reconnect ? { connectedAt: now } : {}),
        updatedAt: databaseNow(),
      },
    );
  }

  /** Deletes the secret row (not a flag) and marks the connection disconnected; synced data lives elsewhere. */
  public async destroyToken(tenantId: string, connectionId: string, now: Date, em: EntityManager): Promise<void> {
    await em.nativeDelete(ConnectionToken, { tenantId, connectionId });
    await em.nativeUpdate(
      Connection,
      { tenantId, id: connectionId },
      {
        status: 'disconnected',
        statusReason: null,
        tokenHint: null,
        tokenStoredAt: null,
        disconnectedAt: now,
        statusChangedAt: now,
        runningSyncRunId: null,
        pendingSyncRunId: null,
        pendingSyncRequestedAt: null,
        nextSyncAt: null,
        postbackSyncRequestedAt: null,
        postbackSyncDueAt: null,
        updatedAt: databaseNow(),
      },
    );
  }

  public async findToken(tenantId: string, connectionId: string): Promise<ConnectionToken | null> {
    return this.em.fork().findOne(ConnectionToken, { tenantId, connectionId });
  }

  public async setPendingSync(
    tenantId: string,
    connectionId: string,
    syncRunId: string,
    now: Date,
    em: EntityManager,
  ): Promise<void> {
    await em.nativeUpdate(
      Connection,
      { tenantId, id: connectionId },
      { pendingSyncRunId: syncRunId, pendingSyncRequestedAt: now, updatedAt: databaseNow() },
    );
  }

  /**
   * Guarded SQL, kept as one statement: only a start at least as new as the last one counts, and never the start
   * of a run whose outcome already arrived (events come in any order). `is not distinct from` and the CASEs say
   * that more plainly than a filter object would.
   */
  public async recordRunStarted(
    input: {
      tenantId: string;
      connectionId: string;
      syncRunId: string;
      startedAt: Date;
    },
    em: EntityManager,
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
      em.getTransactionContext(),
    );
  }

  /** Guarded SQL like recordRunStarted: an outcome older than the last start the connection knows is ignored. */
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
    em: EntityManager,
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
      em.getTransactionContext(),
    );
  }

  /** A pending request that was merged into a run that started or finished is no longer pending (one statement). */
  public async clearSettledPending(tenantId: string, connectionId: string, em: EntityManager): Promise<void> {
    await this.db.query(
      `update credentials.connection c set pending_sync_run_id = null, pending_sync_requested_at = null,
         updated_at = now()
       where c.tenant_id = ? and c.id = ? and exists (
         select 1 from credentials.sync_request r
         where r.tenant_id = c.tenant_id and r.id = c.pending_sync_run_id and r.status <> 'queued')`,
      [tenantId, connectionId],
      em.getTransactionContext(),
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
    const { tenantId, connectionId, syncRunId, reportedAt } = input;
    await this.em.fork().nativeUpdate(
      Connection,
      {
        tenantId,
        id: connectionId,
        runningSyncRunId: syncRunId,
        $or: [
          { lastSyncProgressRunId: null },
          { lastSyncProgressRunId: { $ne: syncRunId } },
          { lastSyncProgressAt: { $lt: reportedAt } },
        ],
      },
      {
        lastSyncProgress: input.streams,
        lastSyncProgressRunId: syncRunId,
        lastSyncProgressAt: reportedAt,
        updatedAt: databaseNow(),
      },
    );
  }

  /** Per stream, the entry of the latest finished run wins; streams a run did not report keep theirs. */
  public async recordFreshness(
    input: { tenantId: string; connectionId: string; finishedAt: Date; freshness: StreamFreshness[] },
    current: Connection,
    em: EntityManager,
  ): Promise<void> {
    if (current.freshnessAsOf && current.freshnessAsOf > input.finishedAt) return;
    const merged = new Map((current.freshness ?? []).map((entry) => [entry.stream, entry]));
    for (const entry of input.freshness) merged.set(entry.stream, entry);
    await em.nativeUpdate(
      Connection,
      { tenantId: input.tenantId, id: input.connectionId },
      { freshness: [...merged.values()], freshnessAsOf: input.finishedAt, updatedAt: databaseNow() },
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
    const changed = await this.em.fork().nativeUpdate(
      Connection,
      {
        tenantId: input.tenantId,
        id: input.connectionId,
        status: 'connected',
        tokenStoredAt: { $lte: input.detectedAt },
      },
      {
        status: 'invalid',
        statusReason: input.reason.slice(0, 500),
        statusChangedAt: input.detectedAt,
        runningSyncRunId: null,
        pendingSyncRunId: null,
        pendingSyncRequestedAt: null,
        nextSyncAt: null,
        updatedAt: databaseNow(),
      },
    );
    return changed > 0;
  }

  public async setPostbackSyncDue(
    tenantId: string,
    connectionId: string,
    dueAt: Date,
    em: EntityManager,
  ): Promise<void> {
    await em.nativeUpdate(
      Connection,
      { tenantId, id: connectionId },
      { postbackSyncDueAt: dueAt, updatedAt: databaseNow() },
    );
  }

  public async markPostbackSyncRequested(
    tenantId: string,
    connectionId: string,
    requestedAt: Date,
    em: EntityManager,
  ): Promise<void> {
    await em.nativeUpdate(
      Connection,
      { tenantId, id: connectionId },
      { postbackSyncRequestedAt: requestedAt, postbackSyncDueAt: null, updatedAt: databaseNow() },
    );
  }

  /** Locks connected connections whose trailing postback sync is due, skipping rows another replica holds. */
  public async lockPostbackSyncsDue(
    now: Date,
    limit: number,
    em: EntityManager,
  ): Promise<{ tenantId: string; connectionId: string }[]> {
    const due = await em.find(
      Connection,
      { postbackSyncDueAt: { $lte: now }, status: 'connected' },
      {
        fields: ['id', 'tenantId'],
        orderBy: { postbackSyncDueAt: 'asc' },
        limit,
        lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
      },
    );
    return due.map((connection) => ({ tenantId: connection.tenantId, connectionId: connection.id }));
  }
}
