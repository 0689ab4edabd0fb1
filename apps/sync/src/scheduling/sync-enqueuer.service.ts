import { randomUUID } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';

import { MessagePublisher } from '@pp/messaging';
import { newCorrelationId } from '@pp/observability';

import { ConnectionsRepository } from '../connections/connections.repository';
import { JobsQueueDeclarer } from './jobs-queue.declarer';
import { SyncMode, SyncReason, SyncRun, SyncRunsRepository } from '../runs/sync-runs.repository';

/**
 * The only way a sync job is created: a queued run row first (PostgreSQL refuses a second active run per
 * connection), then the `sync.job` message. A job whose message is lost is dispatched again by the scheduler.
 */
@Injectable()
export class SyncEnqueuerService {
  private readonly logger = new Logger(SyncEnqueuerService.name);

  constructor(
    private readonly runs: SyncRunsRepository,
    private readonly connections: ConnectionsRepository,
    private readonly publisher: MessagePublisher,
    private readonly jobsQueue: JobsQueueDeclarer,
  ) {}

  /**
   * Returns the new run, or undefined when the connection is not connected or already has an active run. A full
   * sync asked for during an incremental run is not dropped: a run still queued becomes full, and otherwise the
   * request waits on the connection until the scheduler can enqueue it.
   */
  public async enqueue(input: {
    connectionId: string;
    reason: SyncReason;
    mode: SyncMode;
    syncRunId?: string;
    correlationId?: string;
  }): Promise<SyncRun | undefined> {
    for (let attempt = 1; ; attempt++) {
      const run = await this.runs.createQueued({
        id: input.syncRunId ?? randomUUID(),
        connectionId: input.connectionId,
        correlationId: input.correlationId ?? newCorrelationId(),
        reason: input.reason,
        mode: input.mode,
      });
      if (run) {
        await this.dispatch(run);
        this.logger.log(
          `Enqueued sync run '${run.id}' of connection '${run.connectionId}' (${run.reason}, ${run.mode})`,
        );
        return run;
      }
      const active = await this.runs.activeRunOf(input.connectionId);
      // The active run may have ended between the two statements: then the connection is free (or not connected).
      if (!active && attempt === 1) continue;
      if (active && input.mode === 'full' && active.mode !== 'full') {
        await this.fullAfter(active, input.reason);
      } else {
        this.logger.log(
          active
            ? `Connection '${input.connectionId}' already has run '${active.id}' ${active.status}; not enqueuing (${input.reason})`
            : `Connection '${input.connectionId}' is not connected; not enqueuing (${input.reason})`,
        );
      }
      return undefined;
    }
  }

  private async fullAfter(active: SyncRun, reason: SyncReason): Promise<void> {
    if (active.status === 'queued' && (await this.runs.upgradeQueuedToFull(active.id))) {
      this.logger.log(`Queued run '${active.id}' of connection '${active.connectionId}' made full (${reason})`);
      return;
    }
    await this.connections.requestFullSync(active.connectionId);
    this.logger.log(
      `Connection '${active.connectionId}' has run '${active.id}' running; a full sync follows it (${reason})`,
    );
  }

  public async dispatch(run: SyncRun): Promise<void> {
    await this.jobsQueue.ready();
    await this.publisher.publish(
      'sync.job',
      { connectionId: run.connectionId, syncRunId: run.id, reason: run.reason, mode: run.mode },
      { tenantId: run.tenantId, correlationId: run.correlationId, idempotencyKey: `sync.job:${run.id}` },
    );
  }
}
