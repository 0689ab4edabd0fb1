import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { runWithCorrelation, newCorrelationId } from '@pp/observability';

import { SyncEnv } from '../config/sync.env';
import { ConnectionsRepository } from '../connections/connections.repository';
import { LeasesRepository } from '../database/leases.repository';
import { lagGauge } from '../metrics/sync.metrics';
import { SyncRunsRepository } from '../runs/sync-runs.repository';
import { REDISPATCH_QUEUED_AFTER_MS, SCHEDULER_LEASE_NAME } from '../sync.constants';
import { SyncEnqueuerService } from './sync-enqueuer.service';

const DUE_BATCH = 500;

/**
 * The periodic half of the scheduler. Every replica ticks, but only the holder of the leader lease in PostgreSQL
 * enqueues: connections whose interval has passed (a full reconcile when one is due; a waiting follow-up run is
 * that run rather than another), follow-up runs the end of their run did not start, and runs whose job message
 * was lost. It never syncs anything itself.
 */
@Injectable()
export class SyncSchedulerCron implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SyncSchedulerCron.name);
  private readonly holder = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private leader = false;

  constructor(
    private readonly config: ConfigService<SyncEnv, true>,
    private readonly connections: ConnectionsRepository,
    private readonly runs: SyncRunsRepository,
    private readonly leases: LeasesRepository,
    private readonly enqueuer: SyncEnqueuerService,
  ) {
    lagGauge(() => this.connections.lagByTenant());
  }

  private get tickMs(): number {
    return this.config.get('SYNC_SCHEDULER_TICK_SECONDS', { infer: true }) * 1000;
  }

  public onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.scheduleTick(), this.tickMs);
    this.scheduleTick();
  }

  private scheduleTick(): void {
    if (this.ticking) return;
    this.ticking = runWithCorrelation({ correlationId: newCorrelationId() }, () => this.tick())
      .catch((error: unknown) =>
        this.logger.warn(`Scheduler tick failed: ${error instanceof Error ? error.message : String(error)}`),
      )
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
    if (!leader) return;

    const intervalMs = this.config.get('SYNC_INTERVAL_MINUTES', { infer: true }) * 60_000;
    const reconcileMs = this.config.get('SYNC_RECONCILE_INTERVAL_HOURS', { infer: true }) * 3_600_000;
    for (const connection of await this.connections.findDue(intervalMs, DUE_BATCH)) {
      const reconcile = !connection.lastFullAt || Date.now() - new Date(connection.lastFullAt).getTime() >= reconcileMs;
      await this.enqueuer.next(connection.id, { reconcile });
    }

    const leaseTtlMs = this.config.get('SYNC_LEASE_TTL_SECONDS', { infer: true }) * 1000;
    for (const run of await this.runs.claimStranded(REDISPATCH_QUEUED_AFTER_MS, leaseTtlMs * 5)) {
      this.logger.warn(`Run '${run.id}' (${run.status}) has no live worker; dispatching its job again`);
      await this.enqueuer.dispatch(run);
    }
  }

  public async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    if (this.leader) await this.leases.releaseLeadership(SCHEDULER_LEASE_NAME, this.holder).catch(() => undefined);
  }
}
