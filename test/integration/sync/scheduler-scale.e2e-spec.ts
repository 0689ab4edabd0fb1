import { INestApplication } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Client } from 'pg';

import { SCHEDULE_SPREAD_FACTOR } from '../../../apps/sync/src/scheduling/scheduled-runs.repository';
import { SyncSchedulerCron } from '../../../apps/sync/src/scheduling/sync-scheduler.cron';
import { bootSync, closeApp, createSyncInfra, SyncInfra } from './sync-harness';

const CONNECTIONS = 10_000;
const TICK_SECONDS = 30;
const INTERVAL_MINUTES = 15;
const INTERVAL_MS = INTERVAL_MINUTES * 60_000;
const TICKS_PER_INTERVAL = INTERVAL_MS / (TICK_SECONDS * 1000);
/** The even share of one tick, and the most a tick may enqueue (the cap that spreads a burst). */
const EVEN_PER_TICK = Math.ceil(CONNECTIONS / TICKS_PER_INTERVAL);
const CAP_PER_TICK = Math.ceil((SCHEDULE_SPREAD_FACTOR * CONNECTIONS) / TICKS_PER_INTERVAL);
/** Lease, waiting follow-ups, the set-based enqueue, stranded runs; a little room for the driver's own statements. */
const MAX_QUERIES_PER_TICK = 8;

interface Tick {
  enqueued: string[];
  queries: number;
  ms: number;
}

/**
 * The scheduler with 10,000 connections. Time is simulated: between ticks every connection's enqueue time is moved
 * back by one tick less the real time that passed meanwhile (so each tick is 30 s after the last, within a few
 * milliseconds), and the runs the last tick queued are marked finished (as workers would), so an interval of
 * scheduling takes seconds. A connection may land a tick later in its second interval than in its first (a due
 * time within milliseconds of a tick), never a tick earlier. The tick's statements are counted at the driver (pg's Client.prototype.query): the
 * scheduler is the only thing in this process issuing queries while a tick runs.
 */
describe('scheduler at 10,000 connections', () => {
  let infra: SyncInfra;
  let scheduler: INestApplication;
  let cron: SyncSchedulerCron;
  let db: Client;
  let lastShift = 0;

  beforeAll(async () => {
    infra = await createSyncInfra('http://127.0.0.1:9/api/v2', {
      SYNC_SCHEDULER_TICK_SECONDS: String(TICK_SECONDS),
      SYNC_INTERVAL_MINUTES: String(INTERVAL_MINUTES),
    });
    db = infra.db;
    scheduler = await bootSync(infra, 'scheduler');
    // The test drives every tick itself; the boot tick ran on an empty table.
    scheduler.get(SchedulerRegistry).deleteInterval('sync-scheduler-tick');
    cron = scheduler.get(SyncSchedulerCron);
  }, 60_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await closeApp(scheduler);
    await infra?.drop();
  });

  /** One tick, then what it queued, with the statements it issued; then the workers finish and time moves on. */
  async function tick(): Promise<Tick> {
    const query = jest.spyOn(Client.prototype, 'query');
    const started = performance.now();
    await cron.tick();
    const ms = performance.now() - started;
    const queries = query.mock.calls.length;
    query.mockRestore();
    const { rows } = await db.query<{ connection_id: string }>(
      `update sync.run set status = 'succeeded', started_at = now(), finished_at = now()
       where status = 'queued' returning connection_id`,
    );
    const shiftMs = Math.max(0, TICK_SECONDS * 1000 - (performance.now() - lastShift));
    await db.query(
      `update sync.connection set last_enqueued_at = last_enqueued_at - $1 * interval '1 millisecond',
                                  last_full_at = last_full_at - $1 * interval '1 millisecond'`,
      [shiftMs],
    );
    lastShift = performance.now();
    return { enqueued: rows.map((row) => row.connection_id), queries, ms };
  }

  async function ticks(count: number): Promise<Tick[]> {
    const done: Tick[] = [];
    for (let i = 0; i < count; i += 1) done.push(await tick());
    return done;
  }

  /** The ticks at which each connection was enqueued. */
  function enqueuedAt(done: Tick[]): Map<string, number[]> {
    const at = new Map<string, number[]>();
    done.forEach((entry, index) => {
      for (const id of entry.enqueued) at.set(id, [...(at.get(id) ?? []), index]);
    });
    return at;
  }

  async function seed(lastEnqueued: string): Promise<void> {
    await db.query(`delete from sync.run`);
    await db.query(`delete from sync.connection`);
    await db.query(
      `insert into sync.connection (id, tenant_id, status, status_changed_at, last_enqueued_at, last_success_at, last_full_at)
       select 'conn-' || i, 'org-' || i, 'connected', now() - interval '1 day', ${lastEnqueued}, now(), now()
       from generate_series(0, $1 - 1) i`,
      [CONNECTIONS],
    );
    await db.query('analyze sync.connection');
    lastShift = performance.now();
  }

  /** Once per interval: each connection's enqueues an interval apart (a tick more at most), never closer. */
  function expectOncePerInterval(at: Map<string, number[]>, firstBy: number): void {
    expect(at.size).toBe(CONNECTIONS);
    const wrong = [...at].filter(([, indices]) => {
      const gaps = indices.slice(1).map((index, i) => index - indices[i]);
      return (
        indices[0] >= firstBy ||
        indices.length < 2 ||
        gaps.some((gap) => gap !== TICKS_PER_INTERVAL && gap !== TICKS_PER_INTERVAL + 1)
      );
    });
    expect(wrong.slice(0, 5)).toEqual([]);
  }

  it('enqueues every connection exactly once per interval when due times are spread, never more than its share per tick', async () => {
    // Connection i is due i/N of an interval from now.
    await seed(`now() - interval '1 millisecond' * (${INTERVAL_MS}::float8 * ($1 - i) / $1)`);
    const done = await ticks(2 * TICKS_PER_INTERVAL + 2);

    expectOncePerInterval(enqueuedAt(done), TICKS_PER_INTERVAL + 1);
    // The even share, give or take the due times that fall within milliseconds of a tick.
    for (const entry of done) expect(entry.enqueued.length).toBeLessThanOrEqual(Math.ceil(EVEN_PER_TICK * 1.05));
    // The statements do not grow with the runs a tick creates: the same for 1 run as for hundreds.
    const queries = done.map((entry) => entry.queries);
    expect(Math.max(...queries)).toBeLessThanOrEqual(MAX_QUERIES_PER_TICK);
    expect(Math.max(...queries)).toBe(Math.min(...queries));
    expect(Math.max(...done.map((entry) => entry.ms))).toBeLessThan(15_000);
  }, 600_000);

  it('spreads a burst (every connection due at once) over ticks of at most the cap, and keeps it spread', async () => {
    await seed(`now() - interval '${INTERVAL_MINUTES} minutes' - interval '1 second'`);
    const backlogTicks = Math.ceil(CONNECTIONS / CAP_PER_TICK);
    const done = await ticks(backlogTicks + TICKS_PER_INTERVAL + 2);

    expect(done[0].enqueued).toHaveLength(CAP_PER_TICK);
    for (const entry of done) expect(entry.enqueued.length).toBeLessThanOrEqual(CAP_PER_TICK);
    // Each once in the backlog's ticks, then once more an interval later: the burst stays spread.
    expectOncePerInterval(enqueuedAt(done), backlogTicks);
    expect(Math.max(...done.map((entry) => entry.queries))).toBeLessThanOrEqual(MAX_QUERIES_PER_TICK);
  }, 600_000);
});
