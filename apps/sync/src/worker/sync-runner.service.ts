import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { describeError, newInstanceId, sleep } from '@pp/common';
import { PARTNERSTACK_STREAMS, PartnerStackStream, PayloadOf } from '@pp/contracts';
import { MessagePublisher } from '@pp/messaging';
import { runWithCorrelation } from '@pp/observability';
import {
  PartnerStackClient,
  PartnerStackError,
  PartnerStackInvalidTokenError,
  RequestEvent,
} from '@pp/partnerstack-client';
import { TokenHandoffClient, TokenUnavailableError } from '@pp/token-handoff';

import { SyncEnv } from '../config/sync.env';
import { ConnectionsRepository, SyncConnection } from '../connections/connections.repository';
import { LeasesRepository } from '../database/leases.repository';
import { PostgresRequestPacer } from '../database/postgres-request.pacer';
import { SyncDatabase } from '../database/sync-database';
import { syncMetrics } from '../metrics/sync.metrics';
import { StreamCounts, StreamStatus, SyncRun, SyncRunsRepository } from '../runs/sync-runs.repository';
import { UNAVAILABLE_STATUSES } from '../sync.constants';
import { streamFreshness } from './freshness';
import { LeaseLostError, RunContext } from './run-context';
import { RunProgress } from './run-progress';
import { StreamStateRepository } from './stream-state.repository';
import { StreamSyncService } from './stream-sync.service';

const FINISHED_STREAM: ReadonlySet<StreamStatus> = new Set(['succeeded', 'unavailable', 'skipped']);

/**
 * Runs one sync job on a worker: takes the org's lease (waiting out a dead holder), fetches the token, syncs
 * every stream from its checkpoint, records the run and publishes its start and end. A 401 ends the run at
 * once and reports the connection invalid; other failures are retried per stream, resuming from the checkpoint.
 */
@Injectable()
export class SyncRunnerService {
  private readonly logger = new Logger(SyncRunnerService.name);
  public readonly workerId = newInstanceId();
  private readonly pacer: PostgresRequestPacer;

  constructor(
    private readonly config: ConfigService<SyncEnv, true>,
    db: SyncDatabase,
    private readonly runs: SyncRunsRepository,
    private readonly connections: ConnectionsRepository,
    private readonly leases: LeasesRepository,
    private readonly streams: StreamSyncService,
    private readonly streamStates: StreamStateRepository,
    private readonly publisher: MessagePublisher,
    private readonly tokens: TokenHandoffClient,
  ) {
    this.pacer = new PostgresRequestPacer(db, {
      perTokenPerMinute: config.get('PARTNERSTACK_REQUESTS_PER_MINUTE', { infer: true }),
      globalPerMinute: config.get('PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE', { infer: true }),
    });
  }

  private get leaseTtlMs(): number {
    return this.config.get('SYNC_LEASE_TTL_SECONDS', { infer: true }) * 1000;
  }

  public async handle(job: PayloadOf<'sync.job'>): Promise<void> {
    const run = await this.runs.find(job.syncRunId);
    if (!run || (run.status !== 'queued' && run.status !== 'running')) {
      this.logger.log(`Job for run '${job.syncRunId}' skipped: the run is ${run ? run.status : 'unknown'}`);
      return;
    }
    await runWithCorrelation({ correlationId: run.correlationId, tenantId: run.tenantId }, async () => {
      if (!(await this.acquireLease(run))) return;
      let lost = false;
      const heartbeat = setInterval(() => {
        this.leases
          .renewOrg(run.connectionId, this.workerId, this.leaseTtlMs)
          .then((held) => {
            if (!held) lost = true;
          })
          .catch((error) => this.logger.warn(`Could not renew the sync lease: ${describeError(error)}`));
      }, this.leaseTtlMs / 3);
      heartbeat.unref();
      try {
        await this.runLeased(run, () => lost);
      } catch (error) {
        if (error instanceof LeaseLostError) {
          this.logger.warn(`${error.message}; leaving run '${run.id}' to it`);
          return;
        }
        throw error;
      } finally {
        clearInterval(heartbeat);
        if (!lost) await this.leases.releaseOrg(run.connectionId, this.workerId).catch(() => undefined);
      }
    });
  }

  /**
   * Takes the org lease. A lease still held after a full TTL belongs to a live worker (it keeps renewing it):
   * that worker is already running this org, so this delivery is a duplicate and is dropped.
   */
  private async acquireLease(run: SyncRun): Promise<boolean> {
    const deadline = Date.now() + this.leaseTtlMs * 1.5 + 1000;
    for (;;) {
      if (await this.leases.acquireOrg(run.connectionId, this.workerId, run.id, this.leaseTtlMs)) return true;
      if (Date.now() > deadline) {
        const holder = await this.leases.orgHolder(run.connectionId);
        this.logger.log(
          `Run '${run.id}' is in the hands of live worker '${holder?.holder ?? 'unknown'}'; dropping this job`,
        );
        return false;
      }
      await sleep(Math.min(1000, this.leaseTtlMs / 4));
    }
  }

  private async runLeased(queued: SyncRun, leaseLost: () => boolean): Promise<void> {
    const started = await this.runs.start(queued.id, this.workerId);
    if (!started) return;
    const { run, firstStart } = started;
    const connection = await this.connections.find(run.connectionId);
    const full = this.needsFullPass(run, connection);
    if (firstStart) {
      await this.publisher.publish(
        'sync.run.started',
        {
          connectionId: run.connectionId,
          syncRunId: run.id,
          mode: full ? 'full' : 'incremental',
          startedAt: new Date().toISOString(),
        },
        { tenantId: run.tenantId, correlationId: run.correlationId },
      );
    }
    this.logger.log(
      `Sync run '${run.id}' (${run.reason}, ${full ? 'full' : 'incremental'}) attempt ${run.attempts} started`,
    );

    if (!connection || connection.status !== 'connected') {
      await this.finish(run, full, 'failed', `The connection is ${connection?.status ?? 'unknown'}`);
      return;
    }
    let token: string;
    try {
      token = await this.fetchToken(run);
    } catch (error) {
      await this.finish(run, full, 'failed', `No PartnerStack token: ${describeError(error)}`);
      return;
    }

    const pending = new Map<string, Required<Pick<StreamCounts, 'apiCalls' | 'rateLimited' | 'errors'>>>();
    const onRequest = (event: RequestEvent) => {
      const stream = event.stream ?? 'unknown';
      const counts = pending.get(stream) ?? { apiCalls: 0, rateLimited: 0, errors: 0 };
      counts.apiCalls += 1;
      if (event.rateLimited) counts.rateLimited += 1;
      if (event.status === null || event.status >= 500) counts.errors += 1;
      pending.set(stream, counts);
      syncMetrics.apiCalls.inc({ stream, status: String(event.status ?? 'network') });
      if (event.rateLimited) syncMetrics.rateLimited.inc({ stream });
    };
    await this.runs.ensureStreams(run.id, PARTNERSTACK_STREAMS);
    const progress = new RunProgress(
      this.publisher,
      run,
      full ? 'full' : 'incremental',
      this.config.get('SYNC_PROGRESS_INTERVAL_SECONDS', { infer: true }) * 1000,
      await this.runs.streamStats(run.id),
    );
    const ctx: RunContext = {
      run,
      connection,
      token,
      full,
      overlapMs: this.config.get('SYNC_OVERLAP_MINUTES', { infer: true }) * 60_000,
      warmWindowMs: this.config.get('SYNC_WARM_WINDOW_DAYS', { infer: true }) * 86_400_000,
      warmIntervalMs: this.config.get('SYNC_WARM_INTERVAL_MINUTES', { infer: true }) * 60_000,
      progress,
      client: PartnerStackClient.create({
        baseUrl: this.config.get('PARTNERSTACK_API_URL', { infer: true }),
        maxAttempts: this.config.get('PARTNERSTACK_MAX_ATTEMPTS', { infer: true }),
        timeoutMs: this.config.get('PARTNERSTACK_TIMEOUT_MS', { infer: true }),
        pacer: this.pacer,
        onRequest,
      }),
      lease: {
        confirm: async (trx) => {
          if (leaseLost()) throw new LeaseLostError(run.connectionId);
          const held = await this.leases.renewOrg(run.connectionId, this.workerId, this.leaseTtlMs, trx);
          if (!held) throw new LeaseLostError(run.connectionId);
        },
      },
      takeRequestCounts: (stream) => {
        const counts = pending.get(stream) ?? {};
        pending.delete(stream);
        return counts;
      },
    };

    const statuses = await this.runs.streamStatuses(run.id);
    try {
      for (const stream of PARTNERSTACK_STREAMS) {
        if (FINISHED_STREAM.has(statuses.get(stream) ?? 'pending')) continue;
        if (leaseLost()) throw new LeaseLostError(run.connectionId);
        const outcome = await this.syncStream(ctx, stream);
        if (outcome === 'invalid-token') {
          await this.invalidate(run, full);
          return;
        }
      }
    } finally {
      progress.stop();
    }
    const stats = await this.runs.streamStats(run.id);
    const failed = stats.filter((stat) => stat.status === 'failed');
    const synced = stats.filter((stat) => stat.status === 'succeeded');
    const status = failed.length === 0 ? 'succeeded' : synced.length > 0 ? 'partial' : 'failed';
    const error =
      failed.length === 0 ? null : failed.map((stat) => `${stat.stream}: ${stat.error ?? 'failed'}`).join('; ');
    await this.finish(run, full, status, error);
  }

  private needsFullPass(run: SyncRun, connection: SyncConnection | undefined): boolean {
    if (run.mode === 'full') return true;
    const reconcileMs = this.config.get('SYNC_RECONCILE_INTERVAL_HOURS', { infer: true }) * 3_600_000;
    return !connection?.lastFullAt || Date.now() - new Date(connection.lastFullAt).getTime() >= reconcileMs;
  }

  private async fetchToken(run: SyncRun): Promise<string> {
    const attempts = this.config.get('SYNC_JOB_MAX_ATTEMPTS', { infer: true });
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tokens.fetchToken({ tenantId: run.tenantId, connectionId: run.connectionId });
      } catch (error) {
        if (error instanceof TokenUnavailableError || attempt >= attempts) throw error;
        this.logger.warn(`Token hand-off attempt ${attempt} failed: ${describeError(error)}`);
        await sleep(this.retryDelayMs(attempt));
      }
    }
  }

  private retryDelayMs(attempt: number): number {
    const base = this.config.get('SYNC_JOB_RETRY_BASE_SECONDS', { infer: true }) * 1000;
    return base * 3 ** (attempt - 1) * (0.5 + Math.random() / 2);
  }

  /** Syncs a stream, retrying transient failures from its checkpoint; records the stream's outcome on the run. */
  private async syncStream(ctx: RunContext, stream: PartnerStackStream): Promise<'done' | 'invalid-token'> {
    const attempts = this.config.get('SYNC_JOB_MAX_ATTEMPTS', { infer: true });
    await this.runs.setStreamStatus(ctx.run.id, stream, 'running');
    for (let attempt = 1; ; attempt++) {
      try {
        await this.streams.sync(ctx, stream);
        await this.runs.setStreamStatus(ctx.run.id, stream, 'succeeded');
        ctx.progress.endStream(stream, 'succeeded');
        return 'done';
      } catch (error) {
        if (error instanceof LeaseLostError) throw error;
        await this.runs.addCounts(ctx.run.id, stream, ctx.takeRequestCounts(stream));
        if (error instanceof PartnerStackInvalidTokenError) {
          await this.runs.setStreamStatus(ctx.run.id, stream, 'failed', error.message);
          ctx.progress.endStream(stream, 'failed');
          return 'invalid-token';
        }
        if (error instanceof PartnerStackError && error.status !== null && UNAVAILABLE_STATUSES.has(error.status)) {
          this.logger.log(`Stream '${stream}' is not available to this agency (${error.status})`);
          await this.streams.markUnavailable(ctx.connection.id, stream);
          await this.runs.setStreamStatus(ctx.run.id, stream, 'unavailable', error.message);
          ctx.progress.endStream(stream, 'unavailable');
          return 'done';
        }
        if (attempt >= attempts) {
          this.logger.error(`Stream '${stream}' failed after ${attempt} attempt(s): ${describeError(error)}`);
          await this.runs.setStreamStatus(ctx.run.id, stream, 'failed', describeError(error).slice(0, 500));
          ctx.progress.endStream(stream, 'failed');
          return 'done';
        }
        const delay = this.retryDelayMs(attempt);
        this.logger.warn(
          `Stream '${stream}' attempt ${attempt}/${attempts} failed (${describeError(error)}); resuming from its checkpoint in ${Math.round(delay)} ms`,
        );
        await sleep(delay);
      }
    }
  }

  private async invalidate(run: SyncRun, full: boolean): Promise<void> {
    const reason = 'PartnerStack rejected the API token (401); the agency must paste a new token';
    const detectedAt = new Date();
    await this.connections.markInvalid(run.connectionId, detectedAt);
    await this.publisher.publish(
      'sync.connection.invalid',
      { connectionId: run.connectionId, syncRunId: run.id, reason, detectedAt: detectedAt.toISOString() },
      { tenantId: run.tenantId, correlationId: run.correlationId },
    );
    this.logger.warn(`Connection '${run.connectionId}' marked invalid: ${reason}`);
    await this.finish(run, full, 'failed', reason, { schedule: false });
  }

  private async finish(
    run: SyncRun,
    full: boolean,
    status: 'succeeded' | 'partial' | 'failed',
    error: string | null,
    { schedule = true } = {},
  ): Promise<void> {
    const stats = await this.runs.streamStats(run.id);
    const recordsFetched = stats.reduce((sum, stat) => sum + stat.fetched, 0);
    const recordsEmitted = stats.reduce((sum, stat) => sum + stat.emitted + stat.removed, 0);
    const finished = await this.runs.finish({ runId: run.id, status, error, recordsFetched, recordsEmitted });
    if (!finished) return;
    if (status === 'succeeded') await this.connections.markSucceeded(run.connectionId, full);
    const finishedAt = finished.finishedAt ? new Date(finished.finishedAt) : new Date();
    const startedAt = finished.startedAt ? new Date(finished.startedAt) : finishedAt;
    const mode = full ? 'full' : 'incremental';
    const intervalMs = this.config.get('SYNC_INTERVAL_MINUTES', { infer: true }) * 60_000;
    const connection = await this.connections.find(run.connectionId);
    const nextSyncAt =
      schedule && connection?.status === 'connected'
        ? new Date(Math.max(Date.now(), new Date(connection.lastEnqueuedAt ?? finishedAt).getTime() + intervalMs))
        : null;
    await this.publisher.publish(
      'sync.run.finished',
      {
        connectionId: run.connectionId,
        syncRunId: run.id,
        mode,
        status,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        recordsFetched,
        recordsEmitted,
        error,
        streams: stats,
        nextSyncAt: nextSyncAt?.toISOString() ?? null,
        freshness: streamFreshness(await this.streamStates.tierTimes(run.connectionId), {
          warmWindowDays: this.config.get('SYNC_WARM_WINDOW_DAYS', { infer: true }),
          overlapDays: this.config.get('SYNC_OVERLAP_MINUTES', { infer: true }) / 1440,
        }),
      },
      { tenantId: run.tenantId, correlationId: run.correlationId },
    );
    syncMetrics.runs.inc({ status, mode });
    syncMetrics.runSeconds.observe({ status, mode }, (finishedAt.getTime() - startedAt.getTime()) / 1000);
    this.logger.log(
      { status, recordsFetched, recordsEmitted },
      `Sync run '${run.id}' ${status}: ${recordsFetched} fetched, ${recordsEmitted} emitted${error ? ` (${error})` : ''}`,
    );
  }
}
