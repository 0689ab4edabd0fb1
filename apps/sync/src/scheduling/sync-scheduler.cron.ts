import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';

import { describeError, newInstanceId } from '@pp/common';
import { MessagePublisher } from '@pp/messaging';
import { runWithCorrelation, newCorrelationId } from '@pp/observability';

import { SyncEnv } from '../config/sync.env';
import { ConnectionsRepository } from '../connections/connections.repository';
import { LeasesRepository } from '../database/leases.repository';
import { SyncDatabase } from '../database/sync-database';
import { lagGauge } from '../metrics/sync.metrics';
import { SyncRunsRepository } from '../runs/sync-runs.repository';
import { REDISPATCH_QUEUED_AFTER_MS, SCHEDULER_LEASE_NAME } from '../sync.constants';
import { ScheduledRunsRepository } from './scheduled-runs.repository';
import { StaleSyncsRepository } from './stale-syncs.repository';
import { SyncEnqueuerService } from './sync-enqueuer.service';

/** Follow-ups decided per tick, one by one (their run's end went unseen: rare). */
const FOLLOW_UP_BATCH = 100;

/** Name of the tick in the SchedulerRegistry, which clears it when the app shuts down. */
const TICK_INTERVAL = 'sync-scheduler-tick';

/**
 * The periodic half of the scheduler. Every replica ticks, but only the holder of the leader lease in PostgreSQL
 * enqueues: connections whose interval has passed (a full reconcile when one is due), in one statement and at most
 * the tick's share of the fleet, so that due times stay spread and no tick bursts whatever the number of
 * connections; follow-up runs the end of their run did not start (a follow-up is the connection's next run, rather
 * than another); and runs whose job message was lost. It also announces connections whose syncs went stale
 * (`integration.sync.stale`). It never syncs anything itself.
 */
@Injectable()
export class SyncSchedulerCron implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SyncSchedulerCron.name);
  private readonly holder = newInstanceId();
  private ticking?: Promise<void>;
  private leader = false;
  /** Where the next tick's stale window starts: the end of this leader's last one. */
  private staleCheckedTo?: Date;
  private readonly stale: StaleSyncsRepository;

  constructor(
    private readonly config: ConfigService<SyncEnv, true>,
    private readonly connections: ConnectionsRepository,
    private readonly runs: SyncRunsRepository,
    private readonly leases: LeasesRepository,
    private readonly scheduled: ScheduledRunsRepository,
    private readonly enqueuer: SyncEnqueuerService,
    private readonly schedulerRegistry: SchedulerRegistry,
    private readonly publisher: MessagePublisher,
    db: SyncDatabase,
  ) {
    this.stale = new StaleSyncsRepository(db);
    lagGauge(() => this.connections.lagByTenant());
  }

  private get tickMs(): number {
    return this.config.get('SYNC_SCHEDULER_TICK_SECONDS', { infer: true }) * 1000;
  }

  /** The period is configured, so the interval is registered here rather than with `@Interval`. */
  public onApplicationBootstrap(): void {
    this.schedulerRegistry.addInterval(
      TICK_INTERVAL,
      setInterval(() => this.scheduleTick(), this.tickMs),
    );
    this.scheduleTick();
  }

  private scheduleTick(): void {
    if (this.ticking) return;
    this.ticking = runWithCorrelation({ correlationId: newCorrelationId() }, () => this.tick())
      .catch((error: unknown) => this.logger.warn(`Scheduler tick failed: ${describeError(error)}`))
      .finally(() => {
        this.ticking = undefined;
      });
  }

  public async tick(): Promise<void> {
    // The lease outlives a few missed ticks, so a brief database hiccup does not hand leadership around.
    const leader = await this.leases.holdLeadership(SCHEDULER_LEASE_NAME, this.holder, this.tickMs * 3);
    if (leader !== this.leader)
      this.logger.log(leader ? 'This replica is now the sync scheduler leader' : 'Lost scheduler leadership');
    this.leader = leader;
    if (!leader) {
      this.staleCheckedTo = undefined;
      return;
    }

    const intervalMs = this.config.get('SYNC_INTERVAL_MINUTES', { infer: true }) * 60_000;
    const reconcileMs = this.config.get('SYNC_RECONCILE_INTERVAL_HOURS', { infer: true }) * 3_600_000;
    for (const connection of await this.scheduled.waitingFollowUps(FOLLOW_UP_BATCH)) {
      const reconcile = !connection.lastFullAt || Date.now() - connection.lastFullAt.getTime() >= reconcileMs;
      await this.enqueuer.next(connection.id, { reconcile });
    }
    const created = await this.scheduled.createDue({ intervalMs, reconcileMs, tickMs: this.tickMs });
    // Each job is published after its run's row committed; a lost publish is a stranded run, dispatched below later.
    for (const run of created) await this.enqueuer.dispatch(run);
    if (created.length > 0) {
      const reconciles = created.filter((run) => run.mode === 'full').length;
      this.logger.log(`Enqueued ${created.length} scheduled sync runs (${reconciles} of them full reconciles)`);
    }

    const leaseTtlMs = this.config.get('SYNC_LEASE_TTL_SECONDS', { infer: true }) * 1000;
    for (const run of await this.runs.claimStranded(REDISPATCH_QUEUED_AFTER_MS, leaseTtlMs * 5)) {
      this.logger.warn(`Run '${run.id}' (${run.status}) has no live worker; dispatching its job again`);
      await this.enqueuer.dispatch(run);
    }
    await this.announceStale(intervalMs);
  }

  /**
   * One `integration.sync.stale` per episode: published by the tick whose window saw the connection cross the line.
   * A new leader looks back over the lease's lifetime, the longest a handover leaves unwatched; what the old leader
   * announced in that overlap goes out again under the same idempotency key.
   */
  private async announceStale(intervalMs: number): Promise<void> {
    const { stale, checkedTo: now } = await this.stale.becameStale(
      intervalMs,
      this.staleCheckedTo ?? null,
      this.tickMs * 3,
    );
    await this.publisher.publishAll(
      stale.map((connection) => ({
        key: 'integration.sync.stale' as const,
        payload: {
          connectionId: connection.id,
          lastSucceededAt: connection.lastSucceededAt?.toISOString() ?? null,
          intervalSeconds: Math.max(1, Math.round(intervalMs / 1000)),
          missedIntervals: Math.max(1, Math.floor((now.getTime() - connection.since.getTime()) / intervalMs)),
          detectedAt: now.toISOString(),
        },
        meta: {
          tenantId: connection.tenantId,
          idempotencyKey: `integration.sync.stale:${connection.id}:${connection.since.getTime()}`,
        },
      })),
    );
    if (stale.length > 0) this.logger.warn(`${stale.length} connection(s) have had no successful sync for a while`);
    this.staleCheckedTo = now;
  }

  /** The registry has cleared the interval by now (before shutdown); a tick under way is let finish. */
  public async onApplicationShutdown(): Promise<void> {
    await this.ticking;
    if (this.leader) await this.leases.releaseLeadership(SCHEDULER_LEASE_NAME, this.holder).catch(() => undefined);
  }
}
