import { LockMode, raw } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { PartnerStackStream, StreamStats } from '@pp/contracts';

import { Connection, SyncMode, SyncReason } from '../connections/connection.entity';
import { SyncDatabase, Transaction } from '../database/sync-database';
import { RunRequest } from './run-request.entity';
import { RunStream, StreamStatus } from './run-stream.entity';
import { ACTIVE_RUN_STATUSES, RunStatus, SyncRun } from './sync-run.entity';

/** Counter increments of one page (or one removal batch) of a stream. */
export interface StreamCounts {
  fetched?: number;
  emitted?: number;
  unchanged?: number;
  removed?: number;
  apiCalls?: number;
  rateLimited?: number;
  errors?: number;
}

const COUNTERS = ['fetched', 'emitted', 'unchanged', 'removed', 'apiCalls', 'rateLimited', 'errors'] as const;

/**
 * Runs, their streams and the requests they answer. Methods that take an `em` work in the caller's transaction
 * (`em.transactional`); a `trx` is the page checkpoint's transaction (SqlDatabase); the others use a fork of their own.
 */
@Injectable()
export class SyncRunsRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly db: SyncDatabase,
  ) {}

  public async find(runId: string): Promise<SyncRun | null> {
    return this.em.fork().findOne(SyncRun, runId);
  }

  /** Marks the run running under this worker; `firstStart` tells whether this is its first attempt. */
  public async start(runId: string, worker: string): Promise<{ run: SyncRun; firstStart: boolean } | undefined> {
    return this.em.fork().transactional(async (em) => {
      const run = await em.findOne(
        SyncRun,
        { id: runId, status: { $in: ACTIVE_RUN_STATUSES } },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!run) return undefined;
      run.status = 'running';
      run.attempts += 1;
      run.worker = worker;
      run.startedAt ??= new Date();
      return { run, firstStart: run.attempts === 1 };
    });
  }

  public async ensureStreams(runId: string, streams: readonly PartnerStackStream[]): Promise<void> {
    await this.em
      .fork()
      .createQueryBuilder(RunStream)
      .insert(streams.map((stream) => ({ runId, stream, status: 'pending' as const })))
      .onConflict(['runId', 'stream'])
      .ignore()
      .execute();
  }

  public async streamStatuses(runId: string): Promise<Map<PartnerStackStream, StreamStatus>> {
    const rows = await this.em.fork().find(RunStream, { runId }, { fields: ['stream', 'status'] });
    return new Map(rows.map((row) => [row.stream, row.status]));
  }

  /** Adds to the stream's counters in one statement (inside the page's checkpoint transaction when given). */
  public async addCounts(
    runId: string,
    stream: PartnerStackStream,
    counts: StreamCounts,
    trx?: Transaction,
  ): Promise<void> {
    const increments: Partial<Record<(typeof COUNTERS)[number], number>> = {};
    for (const counter of COUNTERS) {
      const column = this.em.getMetadata(RunStream).properties[counter].fieldNames[0];
      increments[counter] = raw(`${column} + ?`, [counts[counter] ?? 0]);
    }
    await this.em.fork().nativeUpdate(RunStream, { runId, stream }, increments, { ctx: trx });
  }

  public async setStreamStatus(
    runId: string,
    stream: PartnerStackStream,
    status: StreamStatus,
    error: string | null = null,
  ): Promise<void> {
    await this.em.fork().nativeUpdate(RunStream, { runId, stream }, { status, error });
  }

  /** The run's streams as its events report them: a stream that never ended counts as skipped. */
  public async streamStats(runId: string): Promise<StreamStats[]> {
    const rows = await this.em.fork().find(RunStream, { runId }, { orderBy: { stream: 'asc' } });
    return rows.map(
      ({ stream, status, fetched, emitted, unchanged, removed, apiCalls, rateLimited, errors, error }) => ({
        stream,
        status: status === 'pending' || status === 'running' ? 'skipped' : status,
        fetched,
        emitted,
        unchanged,
        removed,
        apiCalls,
        rateLimited,
        errors,
        error,
      }),
    );
  }

  public async finish(input: {
    runId: string;
    status: Exclude<RunStatus, 'queued' | 'running'>;
    error: string | null;
    recordsFetched: number;
    recordsEmitted: number;
  }): Promise<SyncRun | undefined> {
    return this.em.fork().transactional(async (em) => {
      const run = await em.findOne(
        SyncRun,
        { id: input.runId, status: { $in: ACTIVE_RUN_STATUSES } },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!run) return undefined;
      run.status = input.status;
      run.error = input.error;
      run.finishedAt = new Date();
      run.recordsFetched = input.recordsFetched;
      run.recordsEmitted = input.recordsEmitted;
      return run;
    });
  }

  /**
   * Runs whose job may be lost: queued and not started long after dispatch, or running with no live lease
   * (a worker died and its job message was dead-lettered). Marks them dispatched again before returning them.
   * One set-based statement; its rows are mapped into entities.
   */
  public async claimStranded(queuedAfterMs: number, runningAfterMs: number): Promise<SyncRun[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `update sync.run r set dispatched_at = now()
       where r.status in ('queued', 'running')
         and r.dispatched_at < now() - ((case when r.status = 'queued' then ? else ? end) * interval '1 millisecond')
         and not exists (select 1 from sync.org_lease l where l.connection_id = r.connection_id and l.expires_at > now())
       returning r.*`,
      [queuedAfterMs, runningAfterMs],
    );
    const em = this.em.fork();
    return rows.map((row) => em.map(SyncRun, row, { schema: 'sync' }));
  }

  /**
   * Inside the caller's transaction, holding the lock of the connection (which is connected): creates its queued
   * run and records when it was enqueued. The partial unique index still refuses a second active run.
   */
  public async createQueued(
    em: EntityManager,
    connection: Connection,
    input: { id: string; correlationId: string; reason: SyncReason; mode: SyncMode },
  ): Promise<SyncRun> {
    const run = em.create(SyncRun, {
      ...input,
      connectionId: connection.id,
      tenantId: connection.tenantId,
      status: 'queued',
    });
    connection.lastEnqueuedAt = new Date();
    await em.flush();
    return run;
  }

  public async findIn(em: EntityManager, runId: string): Promise<SyncRun | null> {
    return em.findOne(SyncRun, runId);
  }

  public async activeRunIn(em: EntityManager, connectionId: string): Promise<SyncRun | null> {
    return em.findOne(SyncRun, { connectionId, status: { $in: ACTIVE_RUN_STATUSES } });
  }

  /**
   * Folds a request into a run no worker has started, making it full if the request asks for it. The row stays
   * locked until `em`'s transaction ends, so a worker starting it meanwhile reads the merged mode. Returns whether
   * it was still queued.
   */
  public async mergeIntoQueued(em: EntityManager, runId: string, mode: SyncMode): Promise<boolean> {
    const run = await em.findOne(
      SyncRun,
      { id: runId, status: 'queued' },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    if (!run) return false;
    if (mode === 'full') run.mode = 'full';
    return true;
  }

  public async findRequest(em: EntityManager, requestedId: string): Promise<RunRequest | null> {
    return em.findOne(RunRequest, { requestedId });
  }

  /** Records what became of a requested run id that is not a run of its own (merged, or failed at once). */
  public async addRequest(em: EntityManager, request: Omit<RunRequest, 'requestedAt'>): Promise<RunRequest> {
    const added = em.create(RunRequest, { ...request, requestedAt: new Date() });
    await em.flush();
    return added;
  }
}
