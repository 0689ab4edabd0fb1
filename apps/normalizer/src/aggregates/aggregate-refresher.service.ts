import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';

import { describeError } from '@pp/common';

import { InsightOutboxService } from '../insights/insight-outbox.service';
import { normalizerMetrics, timedStep } from '../metrics/normalizer.metrics';

/** A slow refresh (under load) delays the next by this many times its duration: refreshes stay a small fraction of the work. */
const GAP_PER_REFRESH_DURATION = 10;

/**
 * When a tenant's next refresh runs: no sooner than `intervalMs` after the last one started; while batches keep
 * arriving, no sooner than the gap a slow refresh earned (so refreshing never crowds out normalizing); but once the
 * tenant has been quiet for `intervalMs`, right away, so the final state is reported without waiting out that gap.
 */
export function nextRefreshAt(
  state: { lastStartedAt: number; gapMs: number },
  now: number,
  intervalMs: number,
): number {
  const earliest = state.lastStartedAt + intervalMs;
  const underLoad = state.lastStartedAt + state.gapMs;
  return Math.max(earliest, Math.min(underLoad, now + intervalMs));
}

interface TenantState {
  lastStartedAt: number;
  /** Gap to keep after the last refresh started: the interval, or longer when refreshes are slow. */
  gapMs: number;
  running?: Promise<void>;
  /** Touched while a refresh ran: one more refresh is owed. */
  dirty: boolean;
}

/** A tenant's pending refresh is a named timeout in the SchedulerRegistry. */
function timeoutName(tenantId: string): string {
  return `aggregate-refresh:${tenantId}`;
}

/**
 * Refreshes a tenant's report aggregates after committed batches, at most once per interval per tenant (longer while
 * refreshes are slow), and always once more after the last touch, so the aggregates end up reflecting the final state.
 */
@Injectable()
export class AggregateRefresher implements OnApplicationShutdown {
  private readonly logger = new Logger(AggregateRefresher.name);
  /** Kept after a refresh (a few numbers per tenant): forgetting a tenant would forget the gap its refreshes earned. */
  private readonly tenants = new Map<string, TenantState>();
  private readonly intervalMs: number;

  constructor(
    private readonly em: EntityManager,
    private readonly schedulerRegistry: SchedulerRegistry,
    config: ConfigService,
    private readonly insights: InsightOutboxService,
  ) {
    this.intervalMs = config.get<number>('AGGREGATES_REFRESH_INTERVAL_MS') ?? 2_000;
  }

  public touch(tenantId: string): void {
    const state = this.tenants.get(tenantId) ?? { lastStartedAt: 0, gapMs: this.intervalMs, dirty: false };
    this.tenants.set(tenantId, state);
    if (state.running) {
      state.dirty = true;
      return;
    }
    // Every touch pushes the timer back (up to the gap): it fires once the tenant goes quiet, or when the gap ends.
    this.unschedule(tenantId);
    const now = Date.now();
    const wait = Math.max(0, nextRefreshAt(state, now, this.intervalMs) - now);
    this.schedulerRegistry.addTimeout(
      timeoutName(tenantId),
      setTimeout(() => this.run(tenantId, state), wait),
    );
  }

  private isScheduled(tenantId: string): boolean {
    return this.schedulerRegistry.doesExist('timeout', timeoutName(tenantId));
  }

  /** Also forgets a timeout that has fired: the registry keeps it until it is deleted. */
  private unschedule(tenantId: string): void {
    if (this.isScheduled(tenantId)) this.schedulerRegistry.deleteTimeout(timeoutName(tenantId));
  }

  private run(tenantId: string, state: TenantState): void {
    this.unschedule(tenantId);
    state.lastStartedAt = Date.now();
    state.dirty = false;
    state.running = this.refresh(tenantId).finally(() => {
      state.gapMs = Math.max(this.intervalMs, (Date.now() - state.lastStartedAt) * GAP_PER_REFRESH_DURATION);
      state.running = undefined;
      if (state.dirty) this.touch(tenantId);
    });
  }

  private async refresh(tenantId: string): Promise<void> {
    try {
      // The missed-reward events are read off the lifecycle the refresh just rebuilt, in its transaction.
      const derived = await this.em
        .getConnection()
        .getKnex()
        .transaction(async (trx) => {
          await timedStep('aggregate_refresh', () => trx.raw('select domain.refresh_tenant_aggregates(?)', [tenantId]));
          return timedStep('missed_reward_insights', () => this.insights.derive(trx, tenantId));
        });
      await this.insights.publish(derived);
      normalizerMetrics.aggregateRefreshes.inc({ outcome: 'ok' });
    } catch (error) {
      normalizerMetrics.aggregateRefreshes.inc({ outcome: 'failed' });
      this.logger.error(
        `Refreshing the report aggregates of tenant '${tenantId}' failed; retrying after the interval: ${describeError(error)}`,
      );
      const state = this.tenants.get(tenantId);
      if (state) state.dirty = true;
    }
  }

  /** Runs every owed refresh now and waits for it (tests, benchmarks). */
  public async drain(): Promise<void> {
    for (let round = 0; round < 3 && this.tenants.size > 0; round++) {
      const pending = [...this.tenants.entries()];
      for (const [tenantId, state] of pending) {
        if (this.isScheduled(tenantId)) this.run(tenantId, state);
      }
      await Promise.all(pending.map(([, state]) => state.running));
    }
  }

  /** The registry clears its timeouts before shutdown; batches finishing during the grace may have added more. */
  public async onApplicationShutdown(): Promise<void> {
    for (const tenantId of this.tenants.keys()) this.unschedule(tenantId);
  }
}
