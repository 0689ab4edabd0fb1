import { randomUUID } from 'node:crypto';

import { INestApplication } from '@nestjs/common';

import { knex, Knex } from '@mikro-orm/knex';
import { register } from 'prom-client';

import { QUEUES } from '@pp/contracts';
import type { PayloadInputOf, RoutingKey } from '@pp/contracts';
import { deadLetterQueueName, Headers } from '@pp/messaging';
import { createTestDatabase, createTestVhost, waitFor } from '@pp/testing';

import { bootNormalizer, BrokerClient } from './normalizer-harness';

const TENANT = 'org_sync_runs';
const OTHER_TENANT = 'org_sync_runs_other';
const CONNECTION = 'conn-runs';

type SyncRunKey = Extract<RoutingKey, `sync.run.${string}`>;

function envelope<K extends SyncRunKey>(routingKey: K, payload: PayloadInputOf<K>, tenantId = TENANT) {
  return {
    routingKey,
    body: {
      messageId: randomUUID(),
      routingKey,
      schemaVersion: 1,
      tenantId,
      correlationId: `corr-${routingKey}`,
      occurredAt: new Date().toISOString(),
      idempotencyKey: randomUUID(),
      payload,
    },
  };
}

const started = (syncRunId: string) =>
  envelope('sync.run.started', {
    connectionId: CONNECTION,
    syncRunId,
    mode: 'full',
    startedAt: '2026-12-02T10:00:00.000Z',
  });

const progress = (syncRunId: string, reportedAt: string, pages: number) =>
  envelope('sync.run.progress', {
    connectionId: CONNECTION,
    syncRunId,
    mode: 'full',
    reportedAt,
    streams: [
      {
        stream: 'rewards',
        status: 'running',
        tier: 'full',
        pages,
        fetched: pages * 250,
        emitted: pages * 200,
        removed: 0,
        estimatedPagesLeft: 10 - pages,
      },
    ],
  });

const FRESHNESS = [
  {
    stream: 'rewards' as const,
    newRecordsAsOf: '2026-12-02T10:00:00.000Z',
    warmAsOf: '2026-12-02T10:00:00.000Z',
    warmWindowDays: 30,
    reconciledAt: '2026-12-02T10:00:00.000Z',
  },
];

const finished = (syncRunId: string, status: 'succeeded' | 'failed' = 'succeeded') =>
  envelope('sync.run.finished', {
    connectionId: CONNECTION,
    syncRunId,
    mode: 'full',
    status,
    startedAt: '2026-12-02T10:00:00.000Z',
    finishedAt: '2026-12-02T10:05:00.000Z',
    recordsFetched: 500,
    recordsEmitted: 400,
    error: status === 'failed' ? 'PartnerStack answered 503' : null,
    streams: [],
    nextSyncAt: '2026-12-02T10:20:00.000Z',
    freshness: FRESHNESS,
  });

const merged = (syncRunId: string, mergedIntoSyncRunId: string) =>
  envelope('sync.run.merged', {
    connectionId: CONNECTION,
    syncRunId,
    mergedIntoSyncRunId,
    mergedAt: '2026-12-02T09:59:00.000Z',
  });

describe('normalizer: sync-run progress, merged runs and freshness', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let db: Knex;
  let broker: BrokerClient;
  let app: INestApplication;

  const row = async (externalKey: string, tenant = TENANT) => {
    const { rows } = await db.raw('select * from domain.sync_run where tenant_id = ? and external_key = ?', [
      tenant,
      externalKey,
    ]);
    return rows[0] as Record<string, unknown> | undefined;
  };
  const rowWhere = (externalKey: string, description: string, check: (run: Record<string, unknown>) => boolean) =>
    waitFor(
      async () => {
        const run = await row(externalKey);
        return run && check(run) ? run : undefined;
      },
      { description },
    );
  /** Messages the app has handled on its sync-runs queue, whatever the outcome (it runs in this process). */
  const handled = async () => {
    const metric = await register.getSingleMetric('pp_messages_consumed_total')?.get();
    return (metric?.values ?? [])
      .filter((value) => value.labels.queue === QUEUES.normalizerSyncRuns.queue)
      .reduce((sum, value) => sum + value.value, 0);
  };
  /** Publishes and waits until every one of the events was handled (an ignored one changes no row to wait for). */
  const publishAndSettle = async (events: Parameters<BrokerClient['publish']>[0]) => {
    const before = await handled();
    await broker.publish(events);
    await waitFor(async () => (await handled()) >= before + events.length, { description: 'events handled' });
  };
  /** What a merged run shows, without what makes it a row of its own. */
  const followed = (run: Record<string, unknown>) => {
    const {
      id: _id,
      external_key: _key,
      merged_into_sync_run_id: _target,
      created_at: _c,
      updated_at: _u,
      ...rest
    } = run;
    return rest;
  };

  beforeAll(async () => {
    database = await createTestDatabase('pp_norm_runs');
    vhost = await createTestVhost('pp_norm_runs');
    db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
    broker = await BrokerClient.connect(vhost.url);
    app = await bootNormalizer({ amqpUrl: vhost.url, env: { DATABASE_URL: database.url, AMQP_URL: vhost.url } });
    await broker.waitForConsumer(QUEUES.normalizerSyncRuns.queue);
  });

  afterAll(async () => {
    await app?.close();
    await broker?.close();
    await db?.destroy();
    await vhost?.drop();
    await database?.drop();
  });

  it('applies progress while the run runs, keeps the newest, and ignores it once the run finished', async () => {
    const run = randomUUID();
    await broker.publish([started(run), progress(run, '2026-12-02T10:01:00.000Z', 2)]);
    await rowWhere(run, 'progress applied', (r) => r.progress !== null);
    await publishAndSettle([progress(run, '2026-12-02T10:00:30.000Z', 1)]);
    expect((await row(run))?.progress).toEqual({
      reportedAt: '2026-12-02T10:01:00.000Z',
      streams: [expect.objectContaining({ stream: 'rewards', pages: 2, reportedAt: '2026-12-02T10:01:00.000Z' })],
    });
    expect((await row(run))?.status).toBe('running');

    await broker.publish([finished(run)]);
    await rowWhere(run, 'run finished', (r) => r.status === 'succeeded');
    await publishAndSettle([progress(run, '2026-12-02T10:04:00.000Z', 9)]);
    const final = await row(run);
    expect(final).toMatchObject({ status: 'succeeded', freshness: FRESHNESS, merged_into_sync_run_id: null });
    expect((final?.progress as { streams: Array<{ pages: number }> }).streams[0].pages).toBe(2);
  });

  it('records progress that arrives before the start, and the start still sets the start time', async () => {
    const run = randomUUID();
    await broker.publish([progress(run, '2026-12-02T10:02:00.000Z', 3)]);
    await rowWhere(run, 'row from progress', (r) => r.progress !== null);
    await broker.publish([started(run)]);
    const running = await rowWhere(
      run,
      'start time from sync.run.started',
      (r) => (r.started_at as Date).toISOString() === '2026-12-02T10:00:00.000Z',
    );
    expect(running).toMatchObject({ status: 'running', mode: 'full', connection_id: CONNECTION });
  });

  it('a merged run follows its target: queued, running, then its outcome; merged after the finish gives the same row', async () => {
    const early = { target: randomUUID(), run: randomUUID() };
    await broker.publish([merged(early.run, early.target)]);
    const queued = await rowWhere(early.run, 'queued merged run', (r) => r.status === 'queued');
    expect(queued).toMatchObject({ merged_into_sync_run_id: early.target, finished_at: null });
    await broker.publish([started(early.target)]);
    await rowWhere(early.run, 'merged run running', (r) => r.status === 'running');
    await broker.publish([progress(early.target, '2026-12-02T10:01:00.000Z', 4)]);
    await rowWhere(early.run, 'merged run with its target progress', (r) => r.progress !== null);
    await broker.publish([finished(early.target)]);
    const earlyRow = await rowWhere(early.run, 'merged run succeeded', (r) => r.status === 'succeeded');
    expect(earlyRow).toMatchObject({
      finished_at: new Date('2026-12-02T10:05:00.000Z'),
      started_at: new Date('2026-12-02T10:00:00.000Z'),
      mode: 'full',
      // Records and freshness stay with the run that did the work.
      records_fetched: null,
      freshness: null,
    });

    const late = { target: randomUUID(), run: randomUUID() };
    await broker.publish([started(late.target), progress(late.target, '2026-12-02T10:01:00.000Z', 4)]);
    await waitFor(async () => (await row(late.target))?.progress, { description: 'late target progress' });
    await broker.publish([finished(late.target)]);
    await waitFor(async () => (await row(late.target))?.status === 'succeeded', { description: 'late target done' });
    await broker.publish([merged(late.run, late.target)]);
    const lateRow = await rowWhere(late.run, 'late merged run', (r) => r.status === 'succeeded');
    expect(lateRow.merged_into_sync_run_id).toBe(late.target);
    expect(followed(lateRow)).toEqual(followed(earlyRow));
  });

  it('gives the same rows when a run and its merge arrive all at once, in any order', async () => {
    const reference = { target: randomUUID(), run: randomUUID() };
    await broker.publish([started(reference.target)]);
    await waitFor(() => row(reference.target), { description: 'reference target' });
    await broker.publish([finished(reference.target)]);
    await waitFor(async () => (await row(reference.target))?.status === 'succeeded', { description: 'reference' });
    await broker.publish([merged(reference.run, reference.target)]);
    const expected = await rowWhere(reference.run, 'reference merged', (r) => r.status === 'succeeded');

    for (let round = 0; round < 5; round++) {
      const ids = { target: randomUUID(), run: randomUUID() };
      const events = [merged(ids.run, ids.target), finished(ids.target), started(ids.target)];
      await broker.publish(round % 2 === 0 ? events : [...events].reverse());
      const run = await rowWhere(ids.run, `merged run of round ${round}`, (r) => r.status === 'succeeded');
      expect(followed(run)).toEqual(followed(expected));
    }
  });

  it('a run that finishes without ever starting fails the runs merged into it', async () => {
    const target = randomUUID();
    const run = randomUUID();
    await broker.publish([merged(run, target)]);
    await rowWhere(run, 'queued', (r) => r.status === 'queued');
    const never = finished(target, 'failed');
    never.body.payload.startedAt = never.body.payload.finishedAt;
    await broker.publish([never]);
    const failed = await rowWhere(run, 'merged run failed', (r) => r.status === 'failed');
    expect(failed).toMatchObject({
      error: 'PartnerStack answered 503',
      started_at: new Date('2026-12-02T10:05:00.000Z'),
      finished_at: new Date('2026-12-02T10:05:00.000Z'),
    });
  });

  it("never touches another org's run of the same id", async () => {
    const target = randomUUID();
    const run = randomUUID();
    await publishAndSettle([
      merged(run, target),
      started(target),
      envelope(
        'sync.run.merged',
        { connectionId: CONNECTION, syncRunId: run, mergedIntoSyncRunId: target, mergedAt: '2026-12-02T09:59:00Z' },
        OTHER_TENANT,
      ),
    ]);
    expect((await row(run))?.status).toBe('running');
    const other = await row(run, OTHER_TENANT);
    expect(other?.status).toBe('queued');
    expect(other?.id).not.toBe((await row(run))?.id);
  });

  it('dead-letters a sync-run event that breaks its schema', async () => {
    await broker.publish([
      {
        routingKey: 'sync.run.merged',
        body: { ...merged(randomUUID(), randomUUID()).body, payload: { connectionId: CONNECTION, syncRunId: 'x' } },
      },
    ]);
    const dlq = deadLetterQueueName(QUEUES.normalizerSyncRuns.queue);
    await waitFor(async () => (await broker.messageCount(dlq)) === 1, { description: 'the dead letter' });
    const [letter] = await broker.drain(dlq);
    expect(String(letter.properties.headers?.[Headers.deadLetterReason])).toMatch(/mergedIntoSyncRunId/);
  });
});
