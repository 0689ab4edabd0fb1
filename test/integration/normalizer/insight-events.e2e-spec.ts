import { randomUUID } from 'node:crypto';

import { INestApplication } from '@nestjs/common';
import amqplib from 'amqplib';

import { knex, Knex } from '@mikro-orm/knex';
import { EVENTS_EXCHANGE, MessageOf, PartnerStackStream, QUEUES, RoutingKey } from '@pp/contracts';
import { stableId } from '@pp/domain';
import type { AnyMessage } from '@pp/messaging';
import { createTestDatabase, createTestVhost, waitFor } from '@pp/testing';

import { AggregateRefresher } from '../../../apps/normalizer/src/aggregates/aggregate-refresher.service';
import { InsightOutboxService } from '../../../apps/normalizer/src/insights/insight-outbox.service';
import { normalizerMetrics } from '../../../apps/normalizer/src/metrics/normalizer.metrics';

import { bootNormalizer, BrokerClient } from './normalizer-harness';
import { customer, fetchedAt, partnership, payout, reward, transaction } from './raw-events';

const TENANT = 'org_insights';
const CONNECTION = 'conn_insights';

type Records = Partial<Record<PartnerStackStream, Record<string, unknown>[]>>;

/** One page per stream, as the sync publishes a run's pages. */
function pages(syncRunId: string, version: number, records: Records): AnyMessage[] {
  return Object.entries(records).map(
    ([stream, list]) =>
      ({
        messageId: randomUUID(),
        routingKey: `partnerstack.raw.${stream}`,
        schemaVersion: 2,
        tenantId: TENANT,
        correlationId: `corr-${syncRunId}`,
        occurredAt: new Date().toISOString(),
        idempotencyKey: randomUUID(),
        payload: {
          connectionId: CONNECTION,
          syncRunId,
          stream,
          fetchedAt: fetchedAt(version, 0),
          records: list.map((record) => ({ externalKey: record.key as string, record })),
        },
      }) as AnyMessage,
  );
}

function finished(syncRunId: string): AnyMessage {
  return {
    messageId: randomUUID(),
    routingKey: 'sync.run.finished',
    schemaVersion: 1,
    tenantId: TENANT,
    correlationId: `corr-${syncRunId}`,
    occurredAt: new Date().toISOString(),
    idempotencyKey: randomUUID(),
    payload: {
      connectionId: CONNECTION,
      syncRunId,
      mode: 'full',
      status: 'succeeded',
      startedAt: new Date(Date.now() - 60_000).toISOString(),
      finishedAt: new Date().toISOString(),
      recordsFetched: 1,
      recordsEmitted: 1,
      error: null,
      streams: [],
      nextSyncAt: null,
    },
  } as AnyMessage;
}

const inA = { partnershipKey: 'part_A', company: 'co_A' };
const rewardOf = (key: string, version: number, opts: Partial<Parameters<typeof reward>[2]>) =>
  reward(key, version, {
    customerKey: 'cus_1',
    transactionKey: null,
    payoutId: null,
    status: 'approved',
    paymentStatus: null,
    amount: 2_000,
    ...inA,
    ...opts,
  });

/** The agency as the first sync reads it: its history, which announces nothing but missed rewards. */
const FIRST: Records = {
  partnerships: [partnership('part_A', 'co_A', 0, 'active', 20), partnership('part_C', 'co_C', 0, 'active', 10)],
  customers: [customer('cus_1', 0, { email: 'a@shop.example', name: 'Shop', hasPaid: true, ...inA })],
  transactions: [
    { ...transaction('tran_1', 0, 'cus_1', 10_000, 'USD', false), partnership_key: 'part_A' },
    // Planted: a transaction with no reward, a missed reward until PartnerStack rewards it.
    { ...transaction('tran_2', 0, 'cus_1', 5_000, 'USD', false), partnership_key: 'part_A' },
  ],
  rewards: [
    rewardOf('rwrd_1', 0, { transactionKey: 'tran_1', status: 'pending' }),
    rewardOf('rwrd_old', 0, { status: 'declined' }),
    rewardOf('rwrd_paid', 0, { status: 'paid', paymentStatus: 'paid' }),
  ],
  payouts: [payout('pay_1', 1, 0, 'processing')],
};

/** Ten days on: a decline, a clawback, an offer cut, a payout sent, a program joined and one archived. */
const SECOND: Records = {
  partnerships: [
    partnership('part_A', 'co_A', 10, 'active', 15),
    partnership('part_B', 'co_B', 10, 'active', 25),
    partnership('part_C', 'co_C', 10, 'archived', 10),
  ],
  rewards: [
    rewardOf('rwrd_1', 10, { transactionKey: 'tran_1', status: 'declined' }),
    { ...rewardOf('rwrd_cb', 10, { amount: -2_000 }), description: 'Clawback of rwrd_paid: customer refunded' },
    rewardOf('rwrd_2', 10, { transactionKey: 'tran_2', amount: 1_000 }),
  ],
  payouts: [payout('pay_1', 1, 10, 'successful')],
};

/** What a full reconcile reads afterwards: every record again, at its latest version. */
const RECONCILE: Records = {
  partnerships: SECOND.partnerships,
  customers: FIRST.customers,
  transactions: FIRST.transactions,
  rewards: [...SECOND.rewards!, FIRST.rewards![1], FIRST.rewards![2]],
  payouts: SECOND.payouts,
};

const at = (version: number) => Date.parse(fetchedAt(version, 0)) - 3_600_000;

describe('normalizer: insight events for the main app (issue 15)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let db: Knex;
  let broker: BrokerClient;
  let app: INestApplication;
  const received: MessageOf<RoutingKey>[] = [];

  async function outboxCount(where: string): Promise<number> {
    const { rows } = await db.raw<{ rows: { count: string }[] }>(
      `select count(*) from domain.insight_outbox where tenant_id = ? and ${where}`,
      [TENANT],
    );
    return Number(rows[0].count);
  }

  async function appliedRecords(): Promise<number> {
    const { values } = await normalizerMetrics.records.get();
    return values.find((value) => value.labels.outcome === 'applied')?.value ?? 0;
  }

  /**
   * Publishes a run's pages, waits until the normalizer applied every record (a replayed one changes nothing it
   * could be seen by), refreshes the aggregates and waits for every published event to arrive.
   */
  async function sync(records: Records, messages: AnyMessage[]): Promise<void> {
    const target = (await appliedRecords()) + Object.values(records).reduce((sum, list) => sum + list.length, 0);
    await broker.publish(messages);
    await waitFor(async () => (await appliedRecords()) >= target, {
      timeoutMs: 30_000,
      description: 'the pages normalized',
    });
    await app.get(AggregateRefresher).drain();
    await waitFor(async () => (await outboxCount('published_at is null and not suppressed')) === 0, {
      description: 'every insight event published',
    });
    const published = await outboxCount('published_at is not null');
    await waitFor(() => received.length >= published, { description: `${published} insight events received` });
  }

  const keysOf = (prefix: string) =>
    received.filter((message) => message.routingKey.startsWith(prefix)).map((message) => message.idempotencyKey);

  beforeAll(async () => {
    database = await createTestDatabase('pp_norm_insights');
    vhost = await createTestVhost('pp_norm_insights');
    db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
    broker = await BrokerClient.connect(vhost.url);
    const { queue } = await broker.channel.assertQueue('', { exclusive: true });
    for (const pattern of ['insight.#', 'integration.#'])
      await broker.channel.bindQueue(queue, EVENTS_EXCHANGE, pattern);
    await broker.channel.consume(
      queue,
      (message: amqplib.ConsumeMessage | null) => {
        if (message) received.push(JSON.parse(message.content.toString()));
      },
      { noAck: true },
    );
    app = await bootNormalizer({
      amqpUrl: vhost.url,
      env: { DATABASE_URL: database.url, AMQP_URL: vhost.url, AGGREGATES_REFRESH_INTERVAL_MS: '200' },
    });
    await broker.waitForConsumer(QUEUES.normalizerRaw.queue);
    await broker.waitForConsumer(QUEUES.normalizerSyncRuns.queue);

    await sync(FIRST, pages('run_1', 0, FIRST));
    await broker.publish([finished('run_1')]);
    await waitFor(
      async () =>
        (await db.raw<{ rows: unknown[] }>(`select 1 from domain.sync_run where external_key = 'run_1'`)).rows.length,
      { description: 'the first run finished' },
    );
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await broker?.close();
    await db?.destroy();
    await vhost?.drop();
    await database?.drop();
  });

  it('announces none of the history the first sync read, but the missed rewards it found', async () => {
    expect(received.filter((message) => !message.routingKey.startsWith('insight.missed-reward.'))).toEqual([]);
    const planted = await db.raw<{ rows: { id: string }[] }>(
      `select id from domain.report_missed_reward_lifecycle
        where tenant_id = ? and reason = 'transaction_without_reward' and billing_record_id = ?`,
      [TENANT, stableId(TENANT, 'billing_record', 'tran_2')],
    );
    expect(planted.rows).toHaveLength(1);
    expect(keysOf('insight.missed-reward.detected')).toContain(`insight.missed-reward.detected:${planted.rows[0].id}`);
    expect(await outboxCount('suppressed')).toBeGreaterThan(0);
  });

  it('publishes each change of the next sync once, with its program, keys, money and sync', async () => {
    const before = received.length;
    await sync(SECOND, pages('run_2', 10, SECOND));
    const changes = received
      .slice(before)
      .filter((message) => !message.routingKey.startsWith('insight.missed-reward.'));
    const oldOffer = await db.raw<{ rows: { id: string }[] }>(
      `select id from domain.commission_rule where tenant_id = ? and partnership_id = ? and rate = 20`,
      [TENANT, stableId(TENANT, 'partnership', 'part_A')],
    );
    expect(changes.map((message) => message.idempotencyKey).sort()).toEqual(
      [
        `insight.reward.declined:rwrd_1:${at(10)}`,
        'insight.reward.clawed-back:rwrd_cb',
        `insight.offer.changed:${oldOffer.rows[0].id}`,
        'insight.payout.sent:pay_1',
        'insight.program.joined:part_B',
        `insight.program.archived:part_C:${at(10)}`,
      ].sort(),
    );
    for (const message of changes) {
      expect(message.tenantId).toBe(TENANT);
      expect(message.correlationId).toBe('corr-run_2');
      expect(message.payload).toMatchObject({ syncRunId: 'run_2' });
    }
    const byKey = Object.fromEntries(changes.map((message) => [message.routingKey, message.payload]));
    expect(byKey['insight.reward.declined']).toMatchObject({
      rewardId: stableId(TENANT, 'reward', 'rwrd_1'),
      rewardKey: 'rwrd_1',
      partnershipKey: 'part_A',
      partnershipId: stableId(TENANT, 'partnership', 'part_A'),
      customerKey: 'cus_1',
      previousStatus: 'pending',
      amount: { amount: 2_000, currency: 'USD' },
    });
    expect(byKey['insight.reward.clawed-back']).toMatchObject({
      rewardKey: 'rwrd_cb',
      reversedRewardKey: 'rwrd_paid',
      amount: { amount: -2_000, currency: 'USD' },
    });
    expect(byKey['insight.offer.changed']).toMatchObject({
      partnershipKey: 'part_A',
      previous: { kind: 'percentage' },
      current: { kind: 'percentage' },
    });
    const offers = byKey['insight.offer.changed'] as MessageOf<'insight.offer.changed'>['payload'];
    expect([Number(offers.previous.rate), Number(offers.current?.rate)]).toEqual([20, 15]);
    expect(byKey['insight.payout.sent']).toMatchObject({
      payoutKey: 'pay_1',
      amount: { amount: 12_500, currency: 'USD' },
      status: 'successful',
    });

    const planted = stableId(TENANT, 'billing_record', 'tran_2');
    const resolved = received.filter((message) => message.routingKey === 'insight.missed-reward.resolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0].payload).toMatchObject({
      reason: 'transaction_without_reward',
      billingRecordId: planted,
      billingRecordKey: 'tran_2',
      recovered: { amount: 1_000, currency: 'USD' },
    });
    // Every deadline of 2024's candidates passed long ago: none is near.
    expect(keysOf('insight.missed-reward.deadline-near')).toEqual([]);
  });

  it('publishes nothing new for a replayed page or a full reconcile, and nothing twice', async () => {
    const before = received.map((message) => message.idempotencyKey);
    const outboxBefore = await outboxCount('true');
    await sync(SECOND, pages('run_2', 10, SECOND));
    await sync(RECONCILE, pages('run_3', 11, RECONCILE));
    expect(await outboxCount('true')).toBe(outboxBefore);
    expect(received.map((message) => message.idempotencyKey)).toEqual(before);
    expect(new Set(before).size).toBe(before.length);
    expect(received.length).toBe(await outboxCount('published_at is not null'));
  });
  it('publishes, from the periodic sweep, what a crash left committed but unsent', async () => {
    const key = 'insight.program.joined:part_crashed';
    const payload = {
      syncRunId: 'run_2',
      programId: null,
      programKey: 'co_D',
      partnershipId: stableId(TENANT, 'partnership', 'part_crashed'),
      partnershipKey: 'part_crashed',
      status: 'active',
      joinedAt: '2024-06-11T00:00:00.000Z',
    };
    await db.raw(
      `insert into domain.insight_outbox (tenant_id, idempotency_key, routing_key, payload, correlation_id, occurred_at,
         created_at) values (?, ?, 'insight.program.joined', ?::jsonb, 'corr-run_2', now(), now() - interval '1 minute')`,
      [TENANT, key, JSON.stringify(payload)],
    );
    await app.get(InsightOutboxService).sweep();
    const [resumed] = await waitFor(
      () => {
        const found = received.filter((message) => message.idempotencyKey === key);
        return found.length > 0 ? found : undefined;
      },
      { description: 'the unsent event published by the sweep' },
    );
    expect(resumed).toMatchObject({ routingKey: 'insight.program.joined', correlationId: 'corr-run_2', payload });
    expect(await outboxCount(`idempotency_key = '${key}' and published_at is not null`)).toBe(1);
    await app.get(InsightOutboxService).sweep();
    expect(await outboxCount('published_at is null and not suppressed')).toBe(0);
  });
  it('warns once when an open missed reward has a week or less before its claim deadline', async () => {
    // A candidate found 55 days after its transaction: 5 days of the 60-day claim window left.
    const id = randomUUID();
    await db.raw(
      `insert into domain.report_missed_reward_lifecycle (tenant_id, id, reason, reference_at, basis_at,
         partnership_id, billing_record_id, currency, expected_amount, amount_at_stake, removed, first_seen_at)
       values (?, ?, 'transaction_without_reward', now() - interval '55 days', now() - interval '55 days',
         ?, ?, 'USD', 700, 700, false, now())`,
      [TENANT, id, stableId(TENANT, 'partnership', 'part_A'), stableId(TENANT, 'billing_record', 'tran_1')],
    );
    await app.get(InsightOutboxService).sweep();
    const near = await waitFor(
      () => {
        const found = received.filter((message) => message.routingKey === 'insight.missed-reward.deadline-near');
        return found.length > 0 ? found : undefined;
      },
      { description: 'insight.missed-reward.deadline-near' },
    );
    expect(near).toHaveLength(1);
    expect(near[0].idempotencyKey).toBe(`insight.missed-reward.deadline-near:${id}`);
    expect(near[0].payload).toMatchObject({
      missedRewardId: id,
      partnershipKey: 'part_A',
      billingRecordKey: 'tran_1',
      atStake: { amount: 700, currency: 'USD' },
      daysLeft: 5,
    });
    await app.get(InsightOutboxService).sweep();
    expect(await outboxCount(`idempotency_key = 'insight.missed-reward.deadline-near:${id}'`)).toBe(1);
  });

  it('does not announce a transaction whose reward is merely not due yet', async () => {
    const id = randomUUID();
    await db.raw(
      `insert into domain.report_missed_reward_lifecycle (tenant_id, id, reason, reference_at, basis_at, currency,
         expected_amount, amount_at_stake, removed, first_seen_at)
       values (?, ?, 'transaction_without_reward', now() - interval '2 days', now() - interval '2 days', 'USD',
         300, 300, false, now())`,
      [TENANT, id],
    );
    // What the next refresh of the tenant derives from its lifecycle.
    await db.transaction((trx) => app.get(InsightOutboxService).derive(trx, TENANT));
    expect(await outboxCount(`idempotency_key like '%:${id}'`)).toBe(0);
  });
});
