import { INestApplication } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { QUEUES } from '@pp/contracts';
import { waitFor } from '@pp/testing';

import { SyncSchedulerCron } from '../../../apps/sync/src/scheduling/sync-scheduler.cron';

import {
  bootSync,
  closeApp,
  connectOrg,
  createSyncInfra,
  EventRecorder,
  SyncInfra,
  waitForQueues,
} from './sync-harness';

const TENANT = 'org_stale';
const INTERVAL_MINUTES = 10;
const INTERVAL_MS = INTERVAL_MINUTES * 60_000;

/**
 * Issue 15: `integration.sync.stale` once a connection has had no successful sync for three intervals, once per
 * episode. The suite drives the ticks itself and moves the connection's last success back instead of waiting.
 */
describe('sync scheduler: integration.sync.stale', () => {
  let infra: SyncInfra;
  let scheduler: INestApplication;
  let cron: SyncSchedulerCron;
  const recorder = new EventRecorder();
  let connectionId: string;

  const stale = () => recorder.of('integration.sync.stale', (message) => message.payload.connectionId === connectionId);

  /**
   * Puts the connection's last success this long ago, and nothing running or due, so only staleness is in question.
   */
  async function lastSucceeded(agoMs: number): Promise<void> {
    await infra.db.query(`update sync.run set status = 'succeeded', finished_at = now() where connection_id = $1`, [
      connectionId,
    ]);
    await infra.db.query(
      `update sync.connection set last_success_at = now() - $2 * interval '1 millisecond',
                                  last_enqueued_at = now() where id = $1`,
      [connectionId, agoMs],
    );
  }

  beforeAll(async () => {
    infra = await createSyncInfra('http://127.0.0.1:9/api/v2', { SYNC_INTERVAL_MINUTES: String(INTERVAL_MINUTES) });
    await recorder.start(infra.amqpUrl);
    scheduler = await bootSync(infra, 'scheduler');
    scheduler.get(SchedulerRegistry).deleteInterval('sync-scheduler-tick');
    cron = scheduler.get(SyncSchedulerCron);
    await waitForQueues(infra, [QUEUES.syncScheduler.queue]);
    connectionId = await connectOrg(scheduler, TENANT);
    await waitFor(
      async () => (await infra.db.query('select 1 from sync.connection where id = $1', [connectionId])).rowCount,
      { description: 'the connection known to the scheduler' },
    );
  }, 60_000);

  afterAll(async () => {
    await recorder.stop();
    await closeApp(scheduler);
    await infra?.drop();
  });

  it('says nothing while the last success is within three intervals', async () => {
    await lastSucceeded(2 * INTERVAL_MS);
    await cron.tick();
    await lastSucceeded(3 * INTERVAL_MS - 60_000);
    await cron.tick();
    expect(stale()).toEqual([]);
  });

  it('announces the crossing once, however many ticks follow', async () => {
    // The line is crossed now, between the last tick and the next.
    await lastSucceeded(3 * INTERVAL_MS);
    const since = await infra.db.query<{ ms: string }>(
      `select (extract(epoch from last_success_at) * 1000)::bigint as ms from sync.connection where id = $1`,
      [connectionId],
    );
    await cron.tick();
    const [first] = await waitFor(() => (stale().length > 0 ? stale() : undefined), {
      description: 'integration.sync.stale published',
    });
    expect(first.tenantId).toBe(TENANT);
    expect(first.payload).toMatchObject({ connectionId, intervalSeconds: INTERVAL_MINUTES * 60, missedIntervals: 3 });
    // The key names the episode: the last success it started from, to the millisecond the database keeps.
    expect(first.idempotencyKey).toMatch(new RegExp(`^integration\\.sync\\.stale:${connectionId}:`));
    expect(Math.abs(Number(first.idempotencyKey.split(':').at(-1)) - Number(since.rows[0].ms))).toBeLessThanOrEqual(1);
    await cron.tick();
    await cron.tick();
    // A second copy from these ticks would arrive before the next episode's event: the next test counts exactly two.
    expect(stale()).toHaveLength(1);
  });

  it('announces a new episode after a success', async () => {
    await lastSucceeded(0);
    await cron.tick();
    await lastSucceeded(3 * INTERVAL_MS);
    await cron.tick();
    const episodes = await waitFor(() => (stale().length === 2 ? stale() : undefined), {
      description: 'the second episode announced',
    });
    expect(new Set(episodes.map((message) => message.idempotencyKey)).size).toBe(2);
  });
});
