import { raw } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { SyncRunStatus } from '../connections/connection.entity';
import { CredentialsDatabase } from '../database/credentials-database';
import { SyncMode, SyncReason, SyncRequest } from './sync-request.entity';
import { SyncRunReport } from './sync-run-report.entity';

/**
 * The run ids credentials handed out and what became of each: the run it is, or was merged into, and that run's
 * outcome. Updated from sync's events in any order: each handler runs under the connection's row lock (its `em` is
 * that transaction's), and run outcomes are kept (sync_run_report) so a merge arriving after its target finished
 * still settles.
 */
@Injectable()
export class SyncRequestsRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly db: CredentialsDatabase,
  ) {}

  public async create(
    input: {
      id: string;
      tenantId: string;
      connectionId: string;
      mode: SyncMode;
      reason: SyncReason;
      requestedAt: Date;
    },
    em: EntityManager,
  ): Promise<void> {
    await em.insert(SyncRequest, { ...input, runId: input.id, status: 'queued', finishedAt: null });
  }

  public async latest(tenantId: string, connectionId: string): Promise<SyncRequest | null> {
    return this.em
      .fork()
      .findOne(SyncRequest, { tenantId, connectionId }, { orderBy: { requestedAt: 'desc', id: 'desc' } });
  }

  public async find(tenantId: string, connectionId: string, id: string): Promise<SyncRequest | null> {
    return this.em.fork().findOne(SyncRequest, { tenantId, connectionId, id });
  }

  /** The newest full request not started yet and asked for after `since`, if any. */
  public async pendingFull(
    tenantId: string,
    connectionId: string,
    since: Date,
    em: EntityManager,
  ): Promise<SyncRequest | null> {
    return em.findOne(
      SyncRequest,
      { tenantId, connectionId, mode: 'full', status: 'queued', requestedAt: { $gt: since } },
      { orderBy: { requestedAt: 'desc', id: 'desc' }, refresh: true },
    );
  }

  public async runStarted(
    input: { tenantId: string; connectionId: string; runId: string },
    em: EntityManager,
  ): Promise<void> {
    const { tenantId, connectionId, runId } = input;
    await em
      .createQueryBuilder(SyncRunReport)
      .insert({ connectionId, runId, tenantId, status: 'running', finishedAt: null })
      .onConflict(['connectionId', 'runId'])
      .ignore()
      .execute();
    await em.nativeUpdate(SyncRequest, { tenantId, connectionId, runId, status: 'queued' }, { status: 'running' });
  }

  public async runFinished(
    input: { tenantId: string; connectionId: string; runId: string; status: SyncRunStatus; finishedAt: Date },
    em: EntityManager,
  ): Promise<void> {
    const { tenantId, connectionId, runId, status, finishedAt } = input;
    await em
      .createQueryBuilder(SyncRunReport)
      .insert({ connectionId, runId, tenantId, status, finishedAt, reportedAt: raw('now()') })
      .onConflict(['connectionId', 'runId'])
      .merge(['status', 'finishedAt', 'reportedAt'])
      .execute();
    await em.nativeUpdate(
      SyncRequest,
      { tenantId, connectionId, runId, status: { $in: ['queued', 'running'] } },
      { status, finishedAt },
    );
  }

  /**
   * The request (and anything already merged into it) now follows the target run, taking its outcome if known.
   * The caller holds the connection's lock, which every writer of its run reports holds too.
   */
  public async merged(
    input: { tenantId: string; connectionId: string; runId: string; intoRunId: string },
    em: EntityManager,
  ): Promise<void> {
    const { tenantId, connectionId, runId, intoRunId } = input;
    const target = await em.findOne(SyncRunReport, { connectionId, runId: intoRunId }, { refresh: true });
    await em.nativeUpdate(
      SyncRequest,
      { tenantId, connectionId, $or: [{ id: runId }, { runId }], status: { $in: ['queued', 'running'] } },
      { runId: intoRunId, status: target?.status ?? 'queued', finishedAt: target?.finishedAt ?? null },
    );
  }

  /** Requests that will never run now that the token is gone. */
  public async failOpen(tenantId: string, connectionId: string, now: Date, em: EntityManager): Promise<void> {
    await em.nativeUpdate(
      SyncRequest,
      { tenantId, connectionId, status: { $in: ['queued', 'running'] } },
      { status: 'failed', finishedAt: now },
    );
  }

  /** Forgets run outcomes and requests older than `before`, except each connection's latest request (shown). */
  public async purgeBefore(before: Date): Promise<void> {
    await this.em.fork().nativeDelete(SyncRunReport, { reportedAt: { $lt: before } });
    // Set-based, with a correlated subquery: clearer as the SQL it is.
    await this.db.query(
      `delete from credentials.sync_request r where r.requested_at < ? and exists (
         select 1 from credentials.sync_request newer
         where newer.connection_id = r.connection_id and newer.requested_at > r.requested_at)`,
      [before],
    );
  }
}
