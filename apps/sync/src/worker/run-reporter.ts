import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { MessagePublisher } from '@pp/messaging';

import { SyncEnv } from '../config/sync.env';
import { ConnectionsRepository } from '../connections/connections.repository';
import { syncMetrics } from '../metrics/sync.metrics';
import { SyncRun } from '../runs/sync-run.entity';
import { SyncRunsRepository } from '../runs/sync-runs.repository';
import { streamFreshness } from './freshness';
import { StreamStateRepository } from './stream-state.repository';

type RunOutcome = 'succeeded' | 'partial' | 'failed';

/**
 * Records and announces a run's start and end: the sync.run.started and sync.run.finished events (with each
 * stream's freshness and when the next sync is due), the run metrics and log lines, and the
 * sync.connection.invalid event when PartnerStack rejects the token.
 */
@Injectable()
export class RunReporter {
  private readonly logger = new Logger(RunReporter.name);

  constructor(
    private readonly config: ConfigService<SyncEnv, true>,
    private readonly runs: SyncRunsRepository,
    private readonly connections: ConnectionsRepository,
    private readonly streamStates: StreamStateRepository,
    private readonly publisher: MessagePublisher,
  ) {}

  /** Logs every attempt; announces only the first, since a resumed run was announced by its first attempt. */
  public async started(run: SyncRun, full: boolean, firstStart: boolean): Promise<void> {
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
  }

  /** Finishes a run whose streams all ran: succeeded if none failed, partial if some succeeded, else failed. */
  public async finishFromStreams(run: SyncRun, full: boolean): Promise<void> {
    const stats = await this.runs.streamStats(run.id);
    const failed = stats.filter((stat) => stat.status === 'failed');
    const synced = stats.filter((stat) => stat.status === 'succeeded');
    const status = failed.length === 0 ? 'succeeded' : synced.length > 0 ? 'partial' : 'failed';
    const error =
      failed.length === 0 ? null : failed.map((stat) => `${stat.stream}: ${stat.error ?? 'failed'}`).join('; ');
    await this.finish(run, full, status, error);
  }

  /** Marks the connection invalid after a 401 and fails the run without a next sync: a new token must come first. */
  public async connectionInvalid(run: SyncRun, full: boolean): Promise<void> {
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

  /** Records the run's end and announces it; `schedule: false` announces no next sync. */
  public async finish(
    run: SyncRun,
    full: boolean,
    status: RunOutcome,
    error: string | null,
    { schedule = true } = {},
  ): Promise<void> {
    const stats = await this.runs.streamStats(run.id);
    const recordsFetched = stats.reduce((sum, stat) => sum + stat.fetched, 0);
    const recordsEmitted = stats.reduce((sum, stat) => sum + stat.emitted + stat.removed, 0);
    const finished = await this.runs.finish({ runId: run.id, status, error, recordsFetched, recordsEmitted });
    if (!finished) return;
    if (status === 'succeeded') await this.connections.markSucceeded(run.connectionId, full);
    const finishedAt = finished.finishedAt ?? new Date();
    const startedAt = finished.startedAt ?? finishedAt;
    const mode = full ? 'full' : 'incremental';
    const intervalMs = this.config.get('SYNC_INTERVAL_MINUTES', { infer: true }) * 60_000;
    const connection = await this.connections.find(run.connectionId);
    const nextSyncAt =
      schedule && connection?.status === 'connected'
        ? new Date(Math.max(Date.now(), (connection.lastEnqueuedAt ?? finishedAt).getTime() + intervalMs))
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
