import { randomUUID } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';

import { MessagePublisher } from '@pp/messaging';
import { newCorrelationId } from '@pp/observability';

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
    private readonly publisher: MessagePublisher,
    private readonly jobsQueue: JobsQueueDeclarer,
  ) {}

  /** Returns the new run, or undefined when the connection is not connected or already has an active run. */
  public async enqueue(input: {
    connectionId: string;
    reason: SyncReason;
    mode: SyncMode;
    syncRunId?: string;
    correlationId?: string;
  }): Promise<SyncRun | undefined> {
    const run = await this.runs.createQueued({
      id: input.syncRunId ?? randomUUID(),
      connectionId: input.connectionId,
      correlationId: input.correlationId ?? newCorrelationId(),
      reason: input.reason,
      mode: input.mode,
    });
    if (!run) {
      const active = await this.runs.activeRunOf(input.connectionId);
      this.logger.log(
        active
          ? `Connection '${input.connectionId}' already has run '${active.id}' ${active.status}; not enqueuing (${input.reason})`
          : `Connection '${input.connectionId}' is not connected; not enqueuing (${input.reason})`,
      );
      return undefined;
    }
    await this.dispatch(run);
    this.logger.log(`Enqueued sync run '${run.id}' of connection '${run.connectionId}' (${run.reason}, ${run.mode})`);
    return run;
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
