import { randomUUID } from 'node:crypto';

import { Controller, INestApplication } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import amqplib from 'amqplib';

import { EVENTS_EXCHANGE, MessageOf } from '@pp/contracts';
import {
  BatchFailure,
  ConsumerQueueOptions,
  deadLetterQueueName,
  Headers,
  inBatches,
  MessagePublisher,
  MessagingModule,
  MessagingWiringError,
  PermanentMessageError,
  retryQueueName,
  startEventsTransport,
} from '@pp/messaging';
import { closeVhostConnections, createTestVhost, waitFor } from '@pp/testing';

type Changed = MessageOf<'normalized.changed'>;
type Requested = MessageOf<'sync.requested'>;

@Controller()
class RecordingHandlers {
  public readonly changed: Changed[] = [];
  public readonly attemptsByRun = new Map<string, number>();
  public failRuns = new Set<string>();
  public permanentRuns = new Set<string>();

  @EventPattern('normalized.changed')
  public async onChanged(message: Changed): Promise<void> {
    this.changed.push(message);
  }

  @EventPattern('sync.requested')
  public async onRequested(message: Requested): Promise<void> {
    const id = message.payload.syncRunId;
    this.attemptsByRun.set(id, (this.attemptsByRun.get(id) ?? 0) + 1);
    if (this.permanentRuns.has(id)) throw new PermanentMessageError(`run ${id} can never be synced`);
    if (this.failRuns.has(id)) throw new Error(`transient failure for ${id}`);
  }
}

@Controller()
class BatchHandlers {
  public readonly batches: string[][] = [];

  @EventPattern(['sync.run.started'], inBatches({ maxSize: 5, maxWaitMs: 100 }))
  public async onStarted(messages: MessageOf<'sync.run.started'>[]): Promise<BatchFailure[]> {
    this.batches.push(messages.map((message) => message.payload.syncRunId));
    return messages
      .filter((message) => message.payload.syncRunId.startsWith('poison'))
      .map((message) => ({ messageId: message.messageId, reason: `cannot map ${message.payload.syncRunId}` }));
  }
}

const QUEUES: ConsumerQueueOptions[] = [
  {
    queue: 'test.events',
    bindings: ['normalized.changed', 'sync.requested'],
    prefetch: 10,
    retry: { delaysMs: [100, 200] },
  },
  { queue: 'test.batches', bindings: ['sync.run.started'], prefetch: 20, retry: { delaysMs: [100] } },
];

@Controller()
class JobHandlers {
  public readonly jobs: string[] = [];

  @EventPattern('sync.job')
  public async onJob(message: MessageOf<'sync.job'>): Promise<void> {
    this.jobs.push(message.payload.syncRunId);
  }
}

/** Consumed by an app started late, published to by one that never consumes it (the sync scheduler's case). */
const LATE_QUEUE: ConsumerQueueOptions = {
  queue: 'test.late',
  bindings: ['sync.job'],
  prefetch: 1,
  retry: { delaysMs: [100, 200] },
};

async function startApp(
  url: string,
  consumers: unknown[],
  queues = QUEUES,
  publishesTo: ConsumerQueueOptions[] = [],
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      MessagingModule.forRootAsync({
        useFactory: () => ({ url, serviceName: 'messaging-test', queues, publishesTo, shutdownGraceMs: 2_000 }),
      }),
    ],
    controllers: consumers as never[],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    await app.init();
    await startEventsTransport(app);
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}

describe('MessagingModule against RabbitMQ', () => {
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let app: INestApplication;
  let handlers: RecordingHandlers;
  let batches: BatchHandlers;
  let publisher: MessagePublisher;
  let raw: amqplib.ChannelModel;
  let channel: amqplib.Channel;

  beforeAll(async () => {
    vhost = await createTestVhost('pp_msg');
    app = await startApp(vhost.url, [RecordingHandlers, BatchHandlers]);
    handlers = app.get(RecordingHandlers);
    batches = app.get(BatchHandlers);
    publisher = app.get(MessagePublisher);
    raw = await amqplib.connect(vhost.url);
    channel = await raw.createChannel();
    await waitForConsumer('test.events');
    await waitForConsumer('test.batches');
  });

  /** checkQueue on a queue not declared yet closes the channel, so each probe gets a channel of its own. */
  async function waitForConsumer(queue: string): Promise<void> {
    await waitFor(
      async () => {
        const probe = await raw.createChannel();
        probe.on('error', () => undefined);
        const { consumerCount } = await probe.checkQueue(queue);
        await probe.close();
        return consumerCount === 1;
      },
      { description: `a consumer on ${queue}` },
    );
  }

  afterAll(async () => {
    await raw?.close().catch(() => undefined);
    await app?.close();
    await vhost?.drop();
  });

  async function deadLetters(queue: string, count: number): Promise<amqplib.GetMessage[]> {
    const received: amqplib.GetMessage[] = [];
    await waitFor(
      async () => {
        const message = await channel.get(deadLetterQueueName(queue), { noAck: true });
        if (message) received.push(message);
        return received.length >= count;
      },
      { description: `${count} dead letter(s) in ${queue}`, timeoutMs: 10_000, intervalMs: 20 },
    );
    return received;
  }

  it('confirms a publish and delivers it exactly once, with its envelope', async () => {
    const sent = await publisher.publish(
      'normalized.changed',
      { entityKinds: ['reward'], records: 3 },
      { tenantId: 'org_once', correlationId: 'corr-once' },
    );
    await waitFor(() => handlers.changed.find((message) => message.messageId === sent.messageId), {
      description: 'the published message',
    });
    const again = await publisher.publish(
      'normalized.changed',
      { entityKinds: [], records: 0 },
      { tenantId: 'org_once' },
    );
    await waitFor(() => handlers.changed.some((message) => message.messageId === again.messageId));
    const copies = handlers.changed.filter((message) => message.messageId === sent.messageId);
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({
      tenantId: 'org_once',
      correlationId: 'corr-once',
      schemaVersion: 1,
      payload: { entityKinds: ['reward'], records: 3 },
    });
  });

  it('refuses to publish a payload that breaks its contract', async () => {
    await expect(
      publisher.publish('normalized.changed', { entityKinds: 'reward' } as never, { tenantId: 'org_bad' }),
    ).rejects.toThrow(/Refusing to publish normalized.changed: entityKinds/);
  });

  it('dead-letters a delivered payload that fails validation, keeping its reason and routing key', async () => {
    const envelope = {
      messageId: randomUUID(),
      routingKey: 'normalized.changed',
      schemaVersion: 1,
      tenantId: 'org_invalid',
      correlationId: 'corr-invalid',
      occurredAt: new Date().toISOString(),
      idempotencyKey: 'invalid-1',
      payload: { entityKinds: 'not-an-array', records: -1 },
    };
    channel.publish(EVENTS_EXCHANGE, 'normalized.changed', Buffer.from(JSON.stringify(envelope)), { persistent: true });
    channel.publish(EVENTS_EXCHANGE, 'normalized.changed', Buffer.from('{not json'), { persistent: true });
    const letters = await deadLetters('test.events', 2);
    const reasons = letters.map((letter) => String(letter.properties.headers?.[Headers.deadLetterReason]));
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^invalid payload: entityKinds: .*records: /),
        'malformed: body is not JSON',
      ]),
    );
    for (const letter of letters) {
      expect(letter.properties.headers?.[Headers.originalRoutingKey]).toBe('normalized.changed');
    }
    expect(handlers.changed.some((message) => message.tenantId === 'org_invalid')).toBe(false);
  });

  it('retries a failing handler with growing delay, then dead-letters it with the last error', async () => {
    const syncRunId = `fail-${randomUUID()}`;
    handlers.failRuns.add(syncRunId);
    const started = Date.now();
    await publisher.publish(
      'sync.requested',
      { connectionId: 'c1', syncRunId, reason: 'manual' },
      { tenantId: 'org_retry' },
    );
    const [letter] = await deadLetters('test.events', 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(handlers.attemptsByRun.get(syncRunId)).toBe(3);
    expect(String(letter.properties.headers?.[Headers.deadLetterReason])).toMatch(
      new RegExp(`^retries exhausted after 2 attempts: Error: transient failure for ${syncRunId}`),
    );
    expect(letter.properties.headers?.[Headers.originalRoutingKey]).toBe('sync.requested');
    expect(JSON.parse(letter.content.toString()).payload.syncRunId).toBe(syncRunId);
  });

  it('dead-letters a permanent failure at once, without retrying', async () => {
    const syncRunId = `permanent-${randomUUID()}`;
    handlers.permanentRuns.add(syncRunId);
    await publisher.publish(
      'sync.requested',
      { connectionId: 'c1', syncRunId, reason: 'manual' },
      { tenantId: 'org_perm' },
    );
    const [letter] = await deadLetters('test.events', 1);
    expect(String(letter.properties.headers?.[Headers.deadLetterReason])).toBe(`run ${syncRunId} can never be synced`);
    expect(handlers.attemptsByRun.get(syncRunId)).toBe(1);
  });

  it('applies a batch and dead-letters only its unmappable messages', async () => {
    const ids = ['ok-1', 'poison-1', 'ok-2', 'ok-3', 'poison-2', 'ok-4', 'ok-5'];
    await publisher.publishAll(
      ids.map((syncRunId) => ({
        key: 'sync.run.started' as const,
        payload: { connectionId: 'c1', syncRunId, mode: 'incremental' as const, startedAt: new Date().toISOString() },
        meta: { tenantId: 'org_batch' },
      })),
    );
    const letters = await deadLetters('test.batches', 2);
    expect(letters.map((letter) => String(letter.properties.headers?.[Headers.deadLetterReason])).sort()).toEqual([
      'cannot map poison-1',
      'cannot map poison-2',
    ]);
    await waitFor(() => batches.batches.flat().length === ids.length, { description: 'every message in a batch' });
    expect(batches.batches.every((batch) => batch.length <= 5)).toBe(true);
    expect((await channel.checkQueue('test.batches')).messageCount).toBe(0);
  });

  it('loses nothing when the broker drops every connection mid-stream, and resumes by itself', async () => {
    const tenantId = `org_reconnect_${randomUUID()}`;
    const total = 200;
    const published: Promise<unknown>[] = [];
    for (let index = 0; index < total; index += 1) {
      if (index === total / 2) await closeVhostConnections(vhost.vhost);
      published.push(publisher.publish('normalized.changed', { entityKinds: ['n'], records: index }, { tenantId }));
    }
    await Promise.all(published);
    const seen = await waitFor(
      () => {
        const records = new Set(handlers.changed.filter((m) => m.tenantId === tenantId).map((m) => m.payload.records));
        return records.size === total ? records : undefined;
      },
      { description: `all ${total} messages consumed after the reconnect`, timeoutMs: 30_000 },
    );
    expect(seen.size).toBe(total);
    // The consumer came back without help: a message published now is delivered too.
    await raw.close().catch(() => undefined);
    raw = await amqplib.connect(vhost.url);
    channel = await raw.createChannel();
    await waitForConsumer('test.events');
    const after = await publisher.publish('normalized.changed', { entityKinds: [], records: 0 }, { tenantId });
    await waitFor(() => handlers.changed.some((message) => message.messageId === after.messageId), {
      description: 'a message published after the reconnect',
    });
  });

  it('keeps what it publishes to a queue whose consumer has never started, declared as that consumer declares it', async () => {
    const producer = await startApp(vhost.url, [], [], [LATE_QUEUE]);
    let consumer: INestApplication | undefined;
    try {
      await producer
        .get(MessagePublisher)
        .publish(
          'sync.job',
          { connectionId: 'conn_late', syncRunId: 'run_late', reason: 'manual', mode: 'incremental' },
          { tenantId: 'org_late' },
        );
      // The retry and dead-letter queues exist already: checkQueue would close the channel otherwise.
      const probe = await raw.createChannel();
      expect(await probe.checkQueue(LATE_QUEUE.queue)).toMatchObject({ messageCount: 1, consumerCount: 0 });
      await probe.checkQueue(retryQueueName(LATE_QUEUE.queue, 2));
      await probe.checkQueue(deadLetterQueueName(LATE_QUEUE.queue));
      await probe.close();

      // Declaring it again with different arguments would make the broker refuse the consumer's channel.
      consumer = await startApp(vhost.url, [JobHandlers], [LATE_QUEUE]);
      const jobs = consumer.get(JobHandlers).jobs;
      await waitFor(() => jobs.includes('run_late'), { description: 'the job published before its consumer' });
    } finally {
      await consumer?.close();
      await producer.close();
    }
  });

  it('refuses to boot when a bound routing key has no handler, naming it', async () => {
    const queues: ConsumerQueueOptions[] = [
      { queue: 'test.unhandled', bindings: ['normalized.changed', 'credentials.connection.connected'] },
    ];
    const attempt = startApp(vhost.url, [RecordingHandlers], queues);
    await expect(attempt).rejects.toBeInstanceOf(MessagingWiringError);
    await expect(attempt).rejects.toThrow(
      /routing key 'credentials.connection.connected' \(queue 'test.unhandled'\) has no handler/,
    );
  });

  it('refuses to boot when a routing key has two handlers', async () => {
    @Controller()
    class DuplicateHandler {
      @EventPattern('normalized.changed')
      public async again(): Promise<void> {}
    }
    const attempt = startApp(vhost.url, [RecordingHandlers, BatchHandlers, DuplicateHandler]);
    await expect(attempt).rejects.toThrow(/routing key 'normalized.changed' has 2 handlers/);
  });
});
