import { Injectable } from '@nestjs/common';

import { PartnerStackStream, StreamStats, SYNC_REASONS } from '@pp/contracts';

import { SyncDatabase, Transaction } from '../database/sync-database';

export type SyncMode = 'incremental' | 'full';
export type SyncReason = (typeof SYNC_REASONS)[number];
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed';
export type StreamStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'unavailable' | 'skipped';

export interface SyncRun {
  id: string;
  connectionId: string;
  tenantId: string;
  correlationId: string;
  reason: SyncReason;
  mode: SyncMode;
  status: RunStatus;
  attempts: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  queuedAt: Date;
}

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

const RUN_COLUMNS = `id, connection_id as "connectionId", tenant_id as "tenantId", correlation_id as "correlationId",
  reason, mode, status, attempts, started_at as "startedAt", finished_at as "finishedAt", queued_at as "queuedAt"`;

@Injectable()
export class SyncRunsRepository {
  constructor(private readonly db: SyncDatabase) {}

  public async find(runId: string): Promise<SyncRun | undefined> {
    return this.db.one<SyncRun>(`select ${RUN_COLUMNS} from sync.run where id = ?`, [runId]);
  }

  public async activeRunOf(connectionId: string): Promise<SyncRun | undefined> {
    return this.db.one<SyncRun>(
      `select ${RUN_COLUMNS} from sync.run where connection_id = ? and status in ('queued', 'running')`,
      [connectionId],
    );
  }

  /** Marks the run running under this worker; `firstStart` tells whether this is its first attempt. */
  public async start(runId: string, worker: string): Promise<{ run: SyncRun; firstStart: boolean } | undefined> {
    const run = await this.db.one<SyncRun>(
      `update sync.run set status = 'running', attempts = attempts + 1, worker = ?,
         started_at = coalesce(started_at, now())
       where id = ? and status in ('queued', 'running')
       returning ${RUN_COLUMNS}`,
      [worker, runId],
    );
    if (!run) return undefined;
    return { run, firstStart: run.attempts === 1 };
  }

  public async ensureStreams(runId: string, streams: readonly PartnerStackStream[]): Promise<void> {
    await this.db.query(
      `insert into sync.run_stream (run_id, stream, status)
       select ?, s, 'pending' from jsonb_array_elements_text(?::jsonb) as s
       on conflict do nothing`,
      [runId, JSON.stringify(streams)],
    );
  }

  public async streamStatuses(runId: string): Promise<Map<PartnerStackStream, StreamStatus>> {
    const rows = await this.db.query<{ stream: PartnerStackStream; status: StreamStatus }>(
      `select stream, status from sync.run_stream where run_id = ?`,
      [runId],
    );
    return new Map(rows.map((row) => [row.stream, row.status]));
  }

  public async addCounts(
    runId: string,
    stream: PartnerStackStream,
    counts: StreamCounts,
    trx?: Transaction,
  ): Promise<void> {
    await this.db.query(
      `update sync.run_stream set fetched = fetched + ?, emitted = emitted + ?, unchanged = unchanged + ?,
         removed = removed + ?, api_calls = api_calls + ?, rate_limited = rate_limited + ?, errors = errors + ?
       where run_id = ? and stream = ?`,
      [
        counts.fetched ?? 0,
        counts.emitted ?? 0,
        counts.unchanged ?? 0,
        counts.removed ?? 0,
        counts.apiCalls ?? 0,
        counts.rateLimited ?? 0,
        counts.errors ?? 0,
        runId,
        stream,
      ],
      trx,
    );
  }

  public async setStreamStatus(
    runId: string,
    stream: PartnerStackStream,
    status: StreamStatus,
    error: string | null = null,
  ): Promise<void> {
    await this.db.query(`update sync.run_stream set status = ?, error = ? where run_id = ? and stream = ?`, [
      status,
      error,
      runId,
      stream,
    ]);
  }

  public async streamStats(runId: string): Promise<StreamStats[]> {
    const rows = await this.db.query<Omit<StreamStats, 'status'> & { status: StreamStatus }>(
      `select stream, status, fetched, emitted, unchanged, removed, api_calls as "apiCalls",
         rate_limited as "rateLimited", errors, error
       from sync.run_stream where run_id = ? order by stream`,
      [runId],
    );
    return rows.map((row) => ({
      ...row,
      status: row.status === 'pending' || row.status === 'running' ? 'skipped' : row.status,
    }));
  }

  public async finish(input: {
    runId: string;
    status: Exclude<RunStatus, 'queued' | 'running'>;
    error: string | null;
    recordsFetched: number;
    recordsEmitted: number;
  }): Promise<SyncRun | undefined> {
    return this.db.one<SyncRun>(
      `update sync.run set status = ?, error = ?, finished_at = now(), records_fetched = ?, records_emitted = ?
       where id = ? and status in ('queued', 'running')
       returning ${RUN_COLUMNS}`,
      [input.status, input.error, input.recordsFetched, input.recordsEmitted, input.runId],
    );
  }

  /**
   * Runs whose job may be lost: queued and not started long after dispatch, or running with no live lease
   * (a worker died and its job message was dead-lettered). Marks them dispatched again before returning them.
   */
  public async claimStranded(queuedAfterMs: number, runningAfterMs: number): Promise<SyncRun[]> {
    return this.db.query<SyncRun>(
      `update sync.run r set dispatched_at = now()
       where r.status in ('queued', 'running')
         and r.dispatched_at < now() - ((case when r.status = 'queued' then ? else ? end) * interval '1 millisecond')
         and not exists (select 1 from sync.org_lease l where l.connection_id = r.connection_id and l.expires_at > now())
       returning ${RUN_COLUMNS}`,
      [queuedAfterMs, runningAfterMs],
    );
  }

  /**
   * Inside the caller's transaction (holding the connection's lock): creates the queued run, unless the
   * connection already has an active one (the partial unique index still has the last word).
   */
  public async createQueuedIn(
    trx: Transaction,
    input: { id: string; connectionId: string; correlationId: string; reason: SyncReason; mode: SyncMode },
  ): Promise<SyncRun | undefined> {
    const run = await this.db.one<SyncRun>(
      `insert into sync.run (id, connection_id, tenant_id, correlation_id, reason, mode, status)
       select ?, c.id, c.tenant_id, ?, ?, ?, 'queued' from sync.connection c where c.id = ? and c.status = 'connected'
       on conflict do nothing
       returning ${RUN_COLUMNS}`,
      [input.id, input.correlationId, input.reason, input.mode, input.connectionId],
      trx,
    );
    if (run)
      await this.db.query(`update sync.connection set last_enqueued_at = now() where id = ?`, [run.connectionId], trx);
    return run;
  }

  public async findIn(trx: Transaction, runId: string): Promise<SyncRun | undefined> {
    return this.db.one<SyncRun>(`select ${RUN_COLUMNS} from sync.run where id = ?`, [runId], trx);
  }

  public async activeRunIn(trx: Transaction, connectionId: string): Promise<SyncRun | undefined> {
    return this.db.one<SyncRun>(
      `select ${RUN_COLUMNS} from sync.run where connection_id = ? and status in ('queued', 'running')`,
      [connectionId],
      trx,
    );
  }

  /**
   * Folds a request into a run no worker has started, making it full if the request asks for it. The row stays
   * locked until `trx` ends, so a worker starting it meanwhile reads the merged mode. Returns whether it was still
   * queued.
   */
  public async mergeIntoQueued(trx: Transaction, runId: string, mode: SyncMode): Promise<boolean> {
    const merged = await this.db.one<{ id: string }>(
      `update sync.run set mode = case when ? = 'full' then 'full' else mode end
       where id = ? and status = 'queued' returning id`,
      [mode, runId],
      trx,
    );
    return merged !== undefined;
  }

  public async findRequest(trx: Transaction, requestedId: string): Promise<RunRequest | undefined> {
    return this.db.one<RunRequest>(
      `select ${REQUEST_COLUMNS} from sync.run_request where requested_id = ?`,
      [requestedId],
      trx,
    );
  }

  /** Records what became of a requested run id that is not a run of its own (merged, or failed at once). */
  public async addRequest(trx: Transaction, request: Omit<RunRequest, 'requestedAt'>): Promise<RunRequest> {
    const row = await this.db.one<RunRequest>(
      `insert into sync.run_request (requested_id, connection_id, tenant_id, correlation_id, mode, run_id, error)
       values (?, ?, ?, ?, ?, ?, ?)
       returning ${REQUEST_COLUMNS}`,
      [
        request.requestedId,
        request.connectionId,
        request.tenantId,
        request.correlationId,
        request.mode,
        request.runId,
        request.error,
      ],
      trx,
    );
    return row!;
  }
}

/** A requested run id answered by another run (`runId`), or failed at once (`error`). */
export interface RunRequest {
  requestedId: string;
  connectionId: string;
  tenantId: string;
  correlationId: string;
  mode: SyncMode;
  runId: string | null;
  error: string | null;
  requestedAt: Date;
}

const REQUEST_COLUMNS = `requested_id as "requestedId", connection_id as "connectionId", tenant_id as "tenantId",
  correlation_id as "correlationId", mode, run_id as "runId", error, requested_at as "requestedAt"`;
