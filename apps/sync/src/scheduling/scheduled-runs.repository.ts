import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { Connection } from '../connections/connection.entity';
import { SyncDatabase } from '../database/sync-database';
import { SyncRun } from '../runs/sync-run.entity';

export interface ScheduleWindow {
  intervalMs: number;
  reconcileMs: number;
  tickMs: number;
}

/**
 * How far above the even rate (connected connections x tick / interval) one tick may enqueue. Above 1 so that a
 * backlog (a burst of connects an interval ago, a scheduler that was down) drains within half an interval; the
 * cap is what spreads such a burst's due times, since each run's enqueue time is the start of its next interval.
 */
export const SCHEDULE_SPREAD_FACTOR = 2;
/** Below this many per tick the cap never holds a small deployment back. */
export const SCHEDULE_MIN_PER_TICK = 20;
/** The most one tick enqueues, whatever the fleet: one statement's rows and the jobs published after it. */
export const SCHEDULE_MAX_PER_TICK = 2_000;

/**
 * The tick's set-based half: every connection due for a scheduled run (connected, its interval passed, no active
 * run, no follow-up waiting) gets its queued run in one statement, whatever the number of connections. It locks
 * the rows it takes (`for no key update skip locked`), as each request's decision does, so a connection being
 * decided by a request is left to the next tick, and the partial unique index still refuses a second active run
 * (`on conflict do nothing`).
 */
@Injectable()
export class ScheduledRunsRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly db: SyncDatabase,
  ) {}

  /**
   * Creates the queued runs of the connections due now, oldest enqueue first, at most the tick's share of the
   * connected connections (see SCHEDULE_SPREAD_FACTOR), and records their enqueue time. Returns the runs, whose
   * jobs the caller publishes.
   */
  public async createDue(window: ScheduleWindow): Promise<SyncRun[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `with due as (
         select c.id, c.tenant_id,
                (c.last_full_at is null or c.last_full_at <= now() - (? * interval '1 millisecond')) as reconcile
         from sync.connection c
         where c.status = 'connected' and c.follow_up_run_id is null
           and (c.last_enqueued_at is null or c.last_enqueued_at <= now() - (? * interval '1 millisecond'))
           and not exists (select 1 from sync.run r where r.connection_id = c.id and r.status in ('queued', 'running'))
         order by c.last_enqueued_at nulls first
         limit (select least(?::int, greatest(?::int, ceil(? * count(*))::int))
                from sync.connection where status = 'connected')
         for no key update of c skip locked
       ),
       created as (
         insert into sync.run (id, connection_id, tenant_id, correlation_id, reason, mode, status)
         select gen_random_uuid()::text, due.id, due.tenant_id, gen_random_uuid()::text,
                case when due.reconcile then 'reconcile' else 'scheduled' end,
                case when due.reconcile then 'full' else 'incremental' end,
                'queued'
         from due
         on conflict (connection_id) where status in ('queued', 'running') do nothing
         returning *
       ),
       enqueued as (
         update sync.connection c set last_enqueued_at = now() from created where c.id = created.connection_id
       )
       select * from created`,
      [
        window.reconcileMs,
        window.intervalMs,
        SCHEDULE_MAX_PER_TICK,
        SCHEDULE_MIN_PER_TICK,
        (SCHEDULE_SPREAD_FACTOR * window.tickMs) / window.intervalMs,
      ],
    );
    const em = this.em.fork();
    return rows.map((row) => em.map(SyncRun, row, { schema: 'sync' }));
  }

  /**
   * Connections whose follow-up run waits with no active run (its run's end was not seen): each is decided one by
   * one under its row lock, as a request is. Rare, so bounded by `limit` rather than set-based.
   */
  public async waitingFollowUps(limit: number): Promise<Connection[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `select c.* from sync.connection c
       where c.follow_up_run_id is not null
         and not exists (select 1 from sync.run r where r.connection_id = c.id and r.status in ('queued', 'running'))
       order by c.follow_up_requested_at
       limit ?`,
      [limit],
    );
    const em = this.em.fork();
    return rows.map((row) => em.map(Connection, row, { schema: 'sync' }));
  }
}
