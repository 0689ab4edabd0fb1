import { Controller, INestApplication } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import amqplib, { Channel, ChannelModel } from 'amqplib';

import { contractOf, envelopeSchema, EVENTS_EXCHANGE, MessageOf } from '@pp/contracts';
import {
  deadLetterQueueName,
  Headers,
  MessagePublisher,
  MessagingModule,
  PermanentMessageError,
  startEventsTransport,
} from '@pp/messaging';
import { Client } from 'pg';

import { createTestDatabase, createTestVhost, waitFor } from '@pp/testing';

import { REPLAY_COUNT_HEADER, replayDeadLetters } from '../../../scripts/replay-dlq';
import { findConnectedConnection, requestSync } from '../../../scripts/request-sync';

type Changed = MessageOf<'normalized.changed'>;

const WORK_QUEUE = 'ops.changes';
const DLQ = deadLetterQueueName(WORK_QUEUE);

/** Refuses a message the first time it sees it (as a consumer with a bug would), accepts it after the fix. */
@Controller()
class FlakyConsumer {
  public readonly seen: Changed[] = [];
  public broken = true;

  @EventPattern('normalized.changed')
  public async handle(message: Changed): Promise<void> {
    this.seen.push(message);
    if (this.broken) throw new PermanentMessageError('simulated bug: cannot map entity kind');
  }
}

describe('operations scripts against RabbitMQ', () => {
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let app: INestApplication;
  let consumer: FlakyConsumer;
  let broker: ChannelModel;
  let channel: Channel;

  const depth = async (queue: string) => (await channel.checkQueue(queue)).messageCount;

  const nextMessage = (queue: string, description: string) =>
    waitFor(async () => (await channel.get(queue, { noAck: true })) || undefined, { description });

  /** Asked on a channel of its own: the broker closes a channel that checks a missing queue. */
  const queueExists = async (queue: string) => {
    const probe = await broker.createChannel();
    probe.on('error', () => undefined);
    try {
      await probe.checkQueue(queue);
      await probe.close();
      return true;
    } catch {
      return false;
    }
  };

  /** A queue of the test's own that sees what reaches the exchange under `key`, with its delivery routing key. */
  const spyOn = async (key: string) => {
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, EVENTS_EXCHANGE, key);
    return queue;
  };

  beforeAll(async () => {
    vhost = await createTestVhost('pp_ops');
    const moduleRef = await Test.createTestingModule({
      imports: [
        MessagingModule.forRootAsync({
          useFactory: () => ({
            url: vhost.url,
            serviceName: 'operations-test',
            queues: [{ queue: WORK_QUEUE, bindings: ['normalized.changed'], retry: { delaysMs: [] } }],
            shutdownGraceMs: 1_000,
          }),
        }),
      ],
      controllers: [FlakyConsumer],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    await startEventsTransport(app);
    consumer = app.get(FlakyConsumer);
    broker = await amqplib.connect(vhost.url);
    channel = await broker.createChannel();
    await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
    await waitFor(() => queueExists(DLQ), { description: 'the consumer to declare its queues' });
  });

  afterAll(async () => {
    await broker?.close().catch(() => undefined);
    await app?.close();
    await vhost?.drop();
  });

  it('replays a dead letter to the events exchange under its original routing key', async () => {
    const published = await app
      .get(MessagePublisher)
      .publish('normalized.changed', { entityKinds: ['reward'], records: 3 }, { tenantId: 'org-ops' });
    await waitFor(async () => (await depth(DLQ)) === 1, { description: 'the message to be dead-lettered' });

    const inspection = await replayDeadLetters({ url: vhost.url, queue: WORK_QUEUE, dryRun: true });
    expect(inspection.queued).toBe(1);
    expect(inspection.replayed).toEqual([
      expect.objectContaining({
        messageId: published.messageId,
        routingKey: 'normalized.changed',
        tenantId: 'org-ops',
        reason: 'simulated bug: cannot map entity kind',
        failedBy: 'operations-test',
      }),
    ]);
    expect(await depth(DLQ)).toBe(1);
    expect(consumer.seen).toHaveLength(1);

    consumer.broken = false;
    const spy = await spyOn('#');
    const report = await replayDeadLetters({ url: vhost.url, queue: DLQ });
    expect(report.replayed.map((deadLetter) => deadLetter.routingKey)).toEqual(['normalized.changed']);

    const replayed = await nextMessage(spy, 'the replayed message');
    expect(replayed.fields.exchange).toBe(EVENTS_EXCHANGE);
    expect(replayed.fields.routingKey).toBe('normalized.changed');
    expect(replayed.properties.messageId).toBe(published.messageId);
    expect(replayed.properties.headers?.[Headers.deadLetterReason]).toBeUndefined();
    expect(replayed.properties.headers?.[Headers.retryCount]).toBeUndefined();
    expect(replayed.properties.headers?.[REPLAY_COUNT_HEADER]).toBe(1);
    expect(JSON.parse(replayed.content.toString())).toEqual(published);

    await waitFor(() => consumer.seen.length === 2, { description: 'the consumer to handle the replayed message' });
    expect(consumer.seen[1]).toEqual(published);
    await waitFor(async () => (await depth(DLQ)) === 0 && (await depth(WORK_QUEUE)) === 0, {
      description: 'both queues to drain',
    });
  });

  it('leaves a dead letter without its original routing key where it is, and honours --limit', async () => {
    channel.sendToQueue(DLQ, Buffer.from('{"not":"an envelope"}'), { messageId: 'orphan' });
    consumer.broken = true;
    await app
      .get(MessagePublisher)
      .publish('normalized.changed', { entityKinds: ['payout'], records: 1 }, { tenantId: 'org-ops' });
    await waitFor(async () => (await depth(DLQ)) === 2, { description: 'two dead letters' });

    const first = await replayDeadLetters({ url: vhost.url, queue: WORK_QUEUE, limit: 1 });
    expect(first.replayed).toEqual([]);
    expect(first.skipped.map((deadLetter) => deadLetter.messageId)).toEqual(['orphan']);
    expect(await depth(DLQ)).toBe(2);

    consumer.broken = false;
    const all = await replayDeadLetters({ url: vhost.url, queue: WORK_QUEUE });
    expect(all.replayed).toHaveLength(1);
    expect(all.skipped).toHaveLength(1);
    await waitFor(async () => (await depth(DLQ)) === 1, { description: 'only the orphan to remain' });
  });

  it('requests a full reconcile as a valid sync.requested envelope', async () => {
    const spy = await spyOn('sync.requested');
    const sent = await requestSync({ url: vhost.url, tenantId: 'org-reconcile', connectionId: 'conn-42' });

    const delivery = await nextMessage(spy, 'the sync request');
    expect(delivery.fields.routingKey).toBe('sync.requested');
    const envelope = envelopeSchema.parse(JSON.parse(delivery.content.toString()));
    expect(envelope).toEqual(sent);
    expect(envelope).toMatchObject({ routingKey: 'sync.requested', tenantId: 'org-reconcile', schemaVersion: 1 });
    expect(contractOf('sync.requested').payload.parse(envelope.payload)).toEqual({
      connectionId: 'conn-42',
      syncRunId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      reason: 'reconcile',
      mode: 'full',
    });
  });

  it("finds the org's connected connection in the sync service's table", async () => {
    const database = await createTestDatabase('pp_ops');
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(
        `insert into sync.connection (id, tenant_id, status, status_changed_at, updated_at) values
           ('conn-old', 'org-a', 'disconnected', now(), now() - interval '1 day'),
           ('conn-live', 'org-a', 'connected', now(), now()),
           ('conn-other', 'org-b', 'connected', now(), now())`,
      );
      expect(await findConnectedConnection(database.url, 'org-a')).toBe('conn-live');
      expect(await findConnectedConnection(database.url, 'org-c')).toBeUndefined();
    } finally {
      await client.end();
      await database.drop();
    }
  });
});
