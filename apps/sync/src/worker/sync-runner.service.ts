import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { describeError, sleep } from '@pp/common';
import { PARTNERSTACK_STREAMS, PartnerStackStream, PayloadOf } from '@pp/contracts';
import { MessagePublisher } from '@pp/messaging';
import { runWithCorrelation } from '@pp/observability';
import { PartnerStackClient, PartnerStackError, PartnerStackInvalidTokenError } from '@pp/partnerstack-client';
import { TokenHandoffClient, TokenUnavailableError } from '@pp/token-handoff';

import { SyncEnv } from '../config/sync.env';
import { Connection } from '../connections/connection.entity';
import { ConnectionsRepository } from '../connections/connections.repository';
import { PostgresRequestPacer } from '../database/postgres-request.pacer';
import { SyncDatabase } from '../database/sync-database';
import { StreamStatus } from '../runs/run-stream.entity';
import { SyncRun } from '../runs/sync-run.entity';
import { SyncRunsRepository } from '../runs/sync-runs.repository';
import { UNAVAILABLE_STATUSES } from '../sync.constants';
import { HeldOrgLease, OrgLeaseKeeper } from './org-lease-keeper';
import { RequestTally } from './request-tally';
import { LeaseLostError, RunContext } from './run-context';
import { RunProgress } from './run-progress';
import { RunReporter } from './run-reporter';
import { StreamSyncService } from './stream-sync.service';

const FINISHED_STREAM: ReadonlySet<StreamStatus> = new Set(['succeeded', 'unavailable', 'skipped']);

/**
 * Runs one sync job on a worker: under the org's lease (OrgLeaseKeeper), fetches the token and syncs every stream
 * from its checkpoint, while RunReporter records the run and publishes its start and end. A 401 ends the run at
 * once and reports the connection invalid; other failures are retried per stream, resuming from the checkpoint.
 */
@Injectable()
export class SyncRunnerService {
  private readonly logger = new Logger(SyncRunnerService.name);
  private readonly pacer: PostgresRequestPacer;

  constructor(
    private readonly config: ConfigService<SyncEnv, true>,
    db: SyncDatabase,
    private readonly runs: SyncRunsRepository,
    private readonly connections: ConnectionsRepository,
    private readonly streams: StreamSyncService,
    private readonly publisher: MessagePublisher,
    private readonly tokens: TokenHandoffClient,
    private readonly leaseKeeper: OrgLeaseKeeper,
    private readonly reporter: RunReporter,
  ) {
    this.pacer = new PostgresRequestPacer(db, {
      perTokenPerMinute: config.get('PARTNERSTACK_REQUESTS_PER_MINUTE', { infer: true }),
      globalPerMinute: config.get('PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE', { infer: true }),
    });
  }

  public async handle(job: PayloadOf<'sync.job'>): Promise<void> {
    const run = await this.runs.find(job.syncRunId);
    if (!run || (run.status !== 'queued' && run.status !== 'running')) {
      this.logger.log(`Job for run '${job.syncRunId}' skipped: the run is ${run ? run.status : 'unknown'}`);
      return;
    }
    await runWithCorrelation({ correlationId: run.correlationId, tenantId: run.tenantId }, () =>
      this.leaseKeeper.whileHeld(run, (lease) => this.runLeased(run, lease)),
    );
  }

  private async runLeased(queued: SyncRun, lease: HeldOrgLease): Promise<void> {
    const started = await this.runs.start(queued.id, this.leaseKeeper.workerId);
    if (!started) return;
    const { run, firstStart } = started;
    const connection = await this.connections.find(run.connectionId);
    const full = this.needsFullPass(run, connection);
    await this.reporter.started(run, full, firstStart);

    if (!connection || connection.status !== 'connected') {
      await this.reporter.finish(run, full, 'failed', `The connection is ${connection?.status ?? 'unknown'}`);
      return;
    }
    let token: string;
    try {
      token = await this.fetchToken(run);
    } catch (error) {
      await this.reporter.finish(run, full, 'failed', `No PartnerStack token: ${describeError(error)}`);
      return;
    }

    const requests = new RequestTally();
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
        onRequest: requests.onRequest,
      }),
      lease,
      takeRequestCounts: (stream) => requests.take(stream),
    };

    const statuses = await this.runs.streamStatuses(run.id);
    try {
      for (const stream of PARTNERSTACK_STREAMS) {
        if (FINISHED_STREAM.has(statuses.get(stream) ?? 'pending')) continue;
        lease.assertHeld();
        const outcome = await this.syncStream(ctx, stream);
        if (outcome === 'invalid-token') {
          await this.reporter.connectionInvalid(run, full);
          return;
        }
      }
    } finally {
      progress.stop();
    }
    await this.reporter.finishFromStreams(run, full);
  }

  private needsFullPass(run: SyncRun, connection: Connection | null): boolean {
    if (run.mode === 'full') return true;
    const reconcileMs = this.config.get('SYNC_RECONCILE_INTERVAL_HOURS', { infer: true }) * 3_600_000;
    return !connection?.lastFullAt || Date.now() - connection.lastFullAt.getTime() >= reconcileMs;
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
}
