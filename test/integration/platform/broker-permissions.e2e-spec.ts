import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import amqp from 'amqplib';

import { DEVELOPMENT_JWT_SECRET } from '@pp/config';
import {
  contractOf,
  DEFAULT_RETRY,
  EVENTS_EXCHANGE,
  QueueDeclaration,
  QUEUES,
  QUEUES_EXCHANGE,
  RoutingKey,
} from '@pp/contracts';
import { deadLetterQueueName, Headers, retryQueueName } from '@pp/messaging';
import { createTestDatabase, createTestVhost, repositoryRoot, ServiceProcess, waitFor } from '@pp/testing';

import { adminJwt, CredentialsApi, fetchSummary } from '../../e2e/support/pipeline';

const run = promisify(execFile);
const ROOT = repositoryRoot(__dirname);
const APPLY = join(ROOT, 'deploy', 'rabbitmq', 'apply-definitions.mjs');

interface Permission {
  user: string;
  vhost: string;
  configure: string;
  write: string;
  read: string;
}
interface TopicPermission {
  user: string;
  vhost: string;
  exchange: string;
  write: string;
  read: string;
}
interface Definitions {
  users: { name: string }[];
  permissions: Permission[];
  topic_permissions: TopicPermission[];
}

const definitions = JSON.parse(
  readFileSync(join(ROOT, 'deploy', 'rabbitmq', 'definitions.json'), 'utf8'),
) as Definitions;

type BrokerUser =
  'pp-credentials' | 'pp-sync-scheduler' | 'pp-sync-worker' | 'pp-normalizer' | 'pp-operator' | 'pp-keda';

const urlVariableOf = (user: string) => `${user.toUpperCase().replaceAll('-', '_')}_AMQP_URL`;

function envelope(key: RoutingKey, payload: unknown, tenantId: string): Buffer {
  const messageId = randomUUID();
  return Buffer.from(
    JSON.stringify({
      messageId,
      routingKey: key,
      schemaVersion: contractOf(key).schemaVersion,
      tenantId,
      correlationId: randomUUID(),
      occurredAt: new Date().toISOString(),
      idempotencyKey: messageId,
      payload,
    }),
  );
}

/**
 * Runs `action` on a fresh confirm channel of `url` and answers with the broker's refusal, or undefined when the
 * broker allowed it. A refusal closes the channel: its error event carries RabbitMQ's ACCESS_REFUSED text.
 */
async function refusal(
  url: string,
  action: (channel: amqp.ConfirmChannel) => Promise<unknown>,
): Promise<string | undefined> {
  const connection = await amqp.connect(url);
  connection.on('error', () => undefined);
  let channelError = '';
  try {
    const channel = await connection.createConfirmChannel();
    channel.on('error', (error: Error) => (channelError = error.message));
    await action(channel);
    return undefined;
  } catch (error) {
    return `${(error as Error).message} ${channelError}`;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

const publishConfirmed = (channel: amqp.ConfirmChannel, exchange: string, key: string, content: Buffer) =>
  new Promise<void>((resolve, reject) =>
    channel.publish(exchange, key, content, { persistent: true, contentType: 'application/json' }, (error) =>
      error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
    ),
  );

const rawPage = (connectionId: string) => ({
  connectionId,
  syncRunId: randomUUID(),
  stream: 'rewards',
  fetchedAt: new Date().toISOString(),
  records: [{ externalKey: 'rew_forged', record: { key: 'rew_forged' } }],
});

/**
 * Queues declared by a service that does not consume them: the scheduler declares the workers' queue before it
 * publishes (`publishesTo` in apps/sync/src/sync.module.ts), so a job enqueued before any worker ran is kept.
 */
const DECLARED_BY_PUBLISHER: Partial<Record<BrokerUser, QueueDeclaration[]>> = {
  'pp-sync-scheduler': [QUEUES.syncJobs],
};

/**
 * definitions.json against the queue catalogue of @pp/contracts, read as files: a queue, binding or retry step added
 * to QUEUES without its permission fails here, before a deployment's consumer is refused by the broker.
 */
describe('broker users: definitions.json admits every queue of QUEUES for its consumer', () => {
  const permissionOf = (user: string) => definitions.permissions.find((p) => p.user === user);
  const topicPermissionOf = (user: string, exchange = EVENTS_EXCHANGE) =>
    definitions.topic_permissions.find((p) => p.user === user && p.exchange === exchange);
  const allows = (pattern: string | undefined, name: string) => pattern !== undefined && new RegExp(pattern).test(name);
  const readersOf = (name: string) =>
    definitions.permissions
      .filter((p) => allows(p.read, name))
      .map((p) => p.user)
      .sort();
  const retryQueuesOf = (declaration: QueueDeclaration) =>
    (declaration.retry ?? DEFAULT_RETRY).delaysMs.map((_, index) => retryQueueName(declaration.queue, index + 1));

  /**
   * What assertQueueTopology needs: declare the queue, its delay queues and its DLQ, bind the queue on pp.events
   * and each of them on pp.queues under its own name, and republish into its own delay queues and DLQ there. A delay
   * queue dead-letters to pp.queues, and RabbitMQ declares such a queue only for a user who may read it and write to
   * that exchange.
   */
  function topologyRefusals(user: string, declaration: QueueDeclaration, republishes: boolean): string[] {
    const permission = permissionOf(user);
    const topic = topicPermissionOf(user);
    const addressable = [declaration.queue, ...retryQueuesOf(declaration), deadLetterQueueName(declaration.queue)];
    const refusals = addressable
      .filter((name) => !allows(permission?.configure, name))
      .map((name) => `configure ${name}`);
    for (const retryQueue of retryQueuesOf(declaration))
      if (!allows(permission?.read, retryQueue)) refusals.push(`read ${retryQueue} (a dead-lettering queue)`);
    for (const exchange of [EVENTS_EXCHANGE, QUEUES_EXCHANGE]) {
      if (!allows(permission?.configure, exchange)) refusals.push(`configure ${exchange}`);
      if (!allows(permission?.read, exchange)) refusals.push(`read ${exchange} (bind)`);
    }
    if (!allows(permission?.write, QUEUES_EXCHANGE)) refusals.push(`write ${QUEUES_EXCHANGE} (dead-letter exchange)`);
    for (const name of addressable) {
      if (!allows(permission?.write, name)) refusals.push(`write ${name} (bind)`);
      if (!allows(topicPermissionOf(user, QUEUES_EXCHANGE)?.read, name))
        refusals.push(`topic read ${name} on pp.queues`);
    }
    if (republishes)
      for (const name of [...retryQueuesOf(declaration), deadLetterQueueName(declaration.queue)])
        if (!allows(topicPermissionOf(user, QUEUES_EXCHANGE)?.write, name))
          refusals.push(`topic write ${name} on pp.queues (retry, dead-letter)`);
    for (const key of declaration.bindings) if (!allows(topic?.read, key)) refusals.push(`topic read ${key}`);
    return refusals;
  }

  const consumed = Object.values(QUEUES).map((declaration) => [declaration.queue, declaration] as const);

  it.each(consumed)('%s: its consumer may declare, bind, consume, retry and dead-letter it', (_queue, declaration) => {
    const user = `pp-${declaration.consumer}`;
    expect(definitions.users.map((entry) => entry.name)).toContain(user);
    const refusals = topologyRefusals(user, declaration, true);
    if (!allows(permissionOf(user)?.read, declaration.queue)) refusals.push(`read ${declaration.queue} (consume)`);
    expect(refusals).toEqual([]);
  });

  it.each(consumed)(
    '%s: only its consumer reads it, only its declarers its delay queues, and only the operator its DLQ',
    (_queue, declaration) => {
      const consumer = `pp-${declaration.consumer}`;
      const declarers = Object.entries(DECLARED_BY_PUBLISHER)
        .filter(([, declarations]) => declarations?.includes(declaration))
        .map(([user]) => user);
      expect(readersOf(declaration.queue)).toEqual([consumer]);
      for (const retryQueue of retryQueuesOf(declaration))
        expect(readersOf(retryQueue)).toEqual([consumer, ...declarers].sort());
      expect(readersOf(deadLetterQueueName(declaration.queue))).toEqual(['pp-operator']);
    },
  );

  it('lets no service but credentials (direct reply-to) publish on the default exchange, which reaches any queue', () => {
    expect(
      definitions.permissions
        .filter((p) => allows(p.write, 'amq.default'))
        .map((p) => p.user)
        .sort(),
    ).toEqual(['pp-credentials']);
    expect(allows(topicPermissionOf('pp-credentials', QUEUES_EXCHANGE)?.write, 'normalizer.raw')).toBe(false);
  });

  it('lets a publisher declare the queues it publishes to before their consumer runs', () => {
    for (const [user, declarations] of Object.entries(DECLARED_BY_PUBLISHER)) {
      for (const declaration of declarations ?? []) expect(topologyRefusals(user, declaration, false)).toEqual([]);
    }
  });
});

/**
 * Every service on its own broker user with exactly the permissions of deploy/rabbitmq/definitions.json, applied by
 * deploy/rabbitmq/apply-definitions.mjs as a deployment applies them: the whole pipeline still works (a token
 * connected, synced, normalized, reported), and what a service has no business doing is refused by the broker.
 */
describe('broker users: each service with its own least-privilege RabbitMQ user', () => {
  const suffix = `-${randomBytes(4).toString('hex')}`;
  const orgId = `org-broker-${randomBytes(3).toString('hex')}`;
  const jwt = adminJwt(orgId, DEVELOPMENT_JWT_SECRET);
  const urls = {} as Record<BrokerUser, string>;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let guest: amqp.ChannelModel;
  const services: ServiceProcess[] = [];
  const published: { routingKey: string; tenantId: string }[] = [];

  const applyDefinitions = (env: Record<string, string>) =>
    run(process.execPath, [APPLY, '--via', 'rabbitmqctl', '--vhost', vhost.vhost, '--user-suffix', suffix], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });

  beforeAll(async () => {
    [database, vhost] = await Promise.all([createTestDatabase('pp_broker'), createTestVhost('pp_broker')]);
    for (const { name } of definitions.users) {
      const url = new URL(vhost.url);
      url.username = `${name}${suffix}`;
      url.password = randomBytes(18).toString('hex');
      urls[name as BrokerUser] = url.toString();
    }
    await applyDefinitions(Object.fromEntries(Object.entries(urls).map(([user, url]) => [urlVariableOf(user), url])));

    guest = await amqp.connect(vhost.url);
    const recorder = await guest.createChannel();
    await recorder.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
    const { queue } = await recorder.assertQueue('', { exclusive: true });
    await recorder.bindQueue(queue, EVENTS_EXCHANGE, '#');
    await recorder.consume(
      queue,
      (message) => {
        if (message) published.push(JSON.parse(message.content.toString('utf8')) as (typeof published)[number]);
      },
      { noAck: true },
    );
  });

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop(5_000)));
    await guest?.close().catch(() => undefined);
    await Promise.all([vhost?.drop(), database?.drop()]);
    for (const { name } of definitions.users) {
      await run('rabbitmqctl', ['-q', 'delete_user', `${name}${suffix}`]).catch(() => undefined);
    }
  });

  it('creates each declared user with exactly its declared permissions and topic permissions', async () => {
    const rows = async (...args: string[]) =>
      (await run('rabbitmqctl', ['-q', '--no-table-headers', ...args, '-p', vhost.vhost])).stdout
        .split('\n')
        .filter((line) => line.split('\t')[0].endsWith(suffix))
        .sort();
    const expected = definitions.permissions
      .map((p) => [`${p.user}${suffix}`, p.configure, p.write, p.read].join('\t'))
      .sort();
    expect(await rows('list_permissions')).toEqual(expected);
    const expectedTopics = definitions.topic_permissions
      .map((p) => [`${p.user}${suffix}`, p.exchange, p.write, p.read].join('\t'))
      .sort();
    expect(await rows('list_topic_permissions')).toEqual(expectedTopics);
    // Reporting reads PostgreSQL only: it has no broker user at all.
    expect(definitions.users.map((user) => user.name)).not.toContainEqual(expect.stringContaining('reporting'));
  });

  it('refuses to apply anything when a service URL is missing or names another user', async () => {
    const env = Object.fromEntries(
      Object.entries(urls)
        .filter(([user]) => user !== 'pp-credentials')
        .map(([user, url]) => [urlVariableOf(user), url]),
    );
    env[urlVariableOf('pp-normalizer')] = urls['pp-sync-worker'];
    const failure = await applyDefinitions(env).then(
      () => 'applied',
      (error: { stderr: string }) => error.stderr,
    );
    expect(failure).toContain('PP_CREDENTIALS_AMQP_URL is not set');
    expect(failure).toContain(`PP_NORMALIZER_AMQP_URL names user 'pp-sync-worker${suffix}'`);
  });

  it('runs the whole pipeline with one user per service, and reporting with none', async () => {
    const sandbox = await ServiceProcess.start({
      app: 'partnerstack-sandbox',
      env: { SANDBOX_DEFAULT_RECORDS: '300', SANDBOX_RATE_LIMIT_PER_MINUTE: '100000' },
    });
    services.push(sandbox);
    const common = {
      DATABASE_URL: database.url,
      PARTNERSTACK_API_URL: `${sandbox.url}/api/v2`,
      JWT_SECRET: DEVELOPMENT_JWT_SECRET,
      SYNC_SCHEDULER_TICK_SECONDS: '1',
      LOG_LEVEL: 'info',
    };
    const started = await Promise.all([
      ServiceProcess.start({ app: 'credentials', env: { ...common, AMQP_URL: urls['pp-credentials'] } }),
      ServiceProcess.start({
        app: 'sync',
        name: 'sync-scheduler',
        env: { ...common, SYNC_ROLE: 'scheduler', AMQP_URL: urls['pp-sync-scheduler'] },
      }),
      ServiceProcess.start({
        app: 'sync',
        name: 'sync-worker',
        env: { ...common, SYNC_ROLE: 'worker', AMQP_URL: urls['pp-sync-worker'] },
      }),
      ServiceProcess.start({ app: 'normalizer', env: { ...common, AMQP_URL: urls['pp-normalizer'] } }),
      ServiceProcess.start({ app: 'reporting', env: { ...common, AMQP_URL: undefined } }),
    ]);
    services.push(...started);
    const [credentialsService, , , , reporting] = started;

    const checks = await guest.createChannel();
    const consumerQueues = [
      'credentials.sync-events',
      'credentials.token-requests',
      'sync.scheduler',
      'sync.jobs',
      'normalizer.raw',
      'normalizer.sync-runs',
    ];
    await waitFor(
      async () => {
        for (const queue of consumerQueues) if ((await checks.checkQueue(queue)).consumerCount < 1) return undefined;
        return true;
      },
      { timeoutMs: 30_000, description: `a consumer on each of ${consumerQueues.join(', ')}` },
    );

    const credentials = new CredentialsApi(credentialsService.url, jwt);
    expect((await credentials.connect('sandbox_broker_permissions')).status).toBe(200);
    const lastSync = await credentials.waitForFinishedSync({ timeoutMs: 90_000 });
    expect(lastSync.status).toBe('succeeded');
    await waitFor(async () => ((await fetchSummary(reporting.url, jwt)).programs.total > 0 ? true : undefined), {
      timeoutMs: 30_000,
      description: 'reporting shows the normalized programs',
    });
    await waitFor(() => published.find((message) => message.routingKey === 'normalized.changed'), {
      description: 'the normalizer announced its batches',
    });
    for (const key of ['credentials.connection.connected', 'sync.job', 'sync.run.started', 'sync.run.finished']) {
      expect(published.filter((message) => message.routingKey === key && message.tenantId === orgId)).not.toHaveLength(
        0,
      );
    }

    // A message its consumer cannot take is dead-lettered through the consumer's own user (the default exchange).
    const forged = await refusal(urls['pp-sync-worker'], (channel) =>
      publishConfirmed(
        channel,
        EVENTS_EXCHANGE,
        'partnerstack.raw.rewards',
        envelope('partnerstack.raw.rewards', { records: [] }, orgId),
      ),
    );
    expect(forged).toBeUndefined();
    const deadLetter = await waitFor(
      async () => (await checks.get(deadLetterQueueName('normalizer.raw'), { noAck: true })) || undefined,
      { description: 'the invalid page in normalizer.raw.dlq' },
    );
    expect(String(deadLetter.properties.headers?.[Headers.deadLetterReason])).toContain('invalid payload');

    for (const service of started) {
      expect(service.lines.filter((line) => line.text.includes('ACCESS_REFUSED')).map((line) => line.text)).toEqual([]);
    }
  });

  describe('what each user must not do is refused', () => {
    const connectionId = randomUUID();
    const tenant = 'org-victim';
    const cases: [string, BrokerUser, (channel: amqp.ConfirmChannel) => Promise<unknown>][] = [
      [
        'the normalizer publishes a raw page event',
        'pp-normalizer',
        (channel) =>
          publishConfirmed(
            channel,
            EVENTS_EXCHANGE,
            'partnerstack.raw.rewards',
            envelope('partnerstack.raw.rewards', rawPage(connectionId), tenant),
          ),
      ],
      [
        'the sync scheduler publishes a raw page event',
        'pp-sync-scheduler',
        (channel) =>
          publishConfirmed(
            channel,
            EVENTS_EXCHANGE,
            'partnerstack.raw.rewards',
            envelope('partnerstack.raw.rewards', rawPage(connectionId), tenant),
          ),
      ],
      [
        'the sync worker publishes a connection event for a tenant',
        'pp-sync-worker',
        (channel) =>
          publishConfirmed(
            channel,
            EVENTS_EXCHANGE,
            'credentials.connection.connected',
            envelope(
              'credentials.connection.connected',
              { connectionId, actorUserId: null, tokenHint: 'xxxx', connectedAt: new Date().toISOString() },
              tenant,
            ),
          ),
      ],
      [
        'the sync scheduler publishes a connection event',
        'pp-sync-scheduler',
        (channel) =>
          publishConfirmed(
            channel,
            EVENTS_EXCHANGE,
            'credentials.connection.disconnected',
            envelope(
              'credentials.connection.disconnected',
              { connectionId, actorUserId: null, disconnectedAt: new Date().toISOString() },
              tenant,
            ),
          ),
      ],
      [
        'credentials publishes a sync job (only the scheduler enqueues)',
        'pp-credentials',
        (channel) => publishConfirmed(channel, EVENTS_EXCHANGE, 'sync.job', Buffer.from('{}')),
      ],
      [
        'the normalizer publishes a sync run outcome',
        'pp-normalizer',
        (channel) => publishConfirmed(channel, EVENTS_EXCHANGE, 'sync.run.finished', Buffer.from('{}')),
      ],
      [
        'credentials reads the raw queue',
        'pp-credentials',
        (channel) => channel.consume('normalizer.raw', () => undefined),
      ],
      [
        'the normalizer reads the token requests',
        'pp-normalizer',
        (channel) => channel.consume('credentials.token-requests', () => undefined),
      ],
      [
        'the sync worker reads the token requests',
        'pp-sync-worker',
        (channel) => channel.consume('credentials.token-requests', () => undefined),
      ],
      [
        'credentials binds its queue to the raw events',
        'pp-credentials',
        (channel) => channel.bindQueue('credentials.sync-events', EVENTS_EXCHANGE, 'partnerstack.raw.rewards'),
      ],
      [
        'the sync worker declares a catch-all queue of its own',
        'pp-sync-worker',
        (channel) => channel.assertQueue('sync.worker.eavesdrop', { durable: false }),
      ],
      [
        'the sync worker reads a dead-letter queue',
        'pp-sync-worker',
        (channel) => channel.get(deadLetterQueueName('normalizer.raw')),
      ],
      [
        'the operator consumes a work queue',
        'pp-operator',
        (channel) => channel.consume('normalizer.raw', () => undefined),
      ],
      ['KEDA consumes the job queue', 'pp-keda', (channel) => channel.consume('sync.jobs', () => undefined)],
      [
        'the sync scheduler consumes the job queue it declares',
        'pp-sync-scheduler',
        (channel) => channel.consume('sync.jobs', () => undefined),
      ],
      ['the normalizer deletes the sync job queue', 'pp-normalizer', (channel) => channel.deleteQueue('sync.jobs')],
      [
        'the sync worker publishes a raw page straight into the normalizer queue by name (default exchange)',
        'pp-sync-worker',
        (channel) =>
          publishConfirmed(
            channel,
            '',
            'normalizer.raw',
            envelope('partnerstack.raw.rewards', rawPage(connectionId), tenant),
          ),
      ],
      [
        'the normalizer sends a connection event straight into the scheduler queue by name (default exchange)',
        'pp-normalizer',
        (channel) => publishConfirmed(channel, '', QUEUES.syncScheduler.queue, Buffer.from('{}')),
      ],
      [
        'the sync worker addresses the normalizer queue on pp.queues',
        'pp-sync-worker',
        (channel) => publishConfirmed(channel, QUEUES_EXCHANGE, 'normalizer.raw', Buffer.from('{}')),
      ],
      [
        "the normalizer fills another service's dead-letter queue on pp.queues",
        'pp-normalizer',
        (channel) => publishConfirmed(channel, QUEUES_EXCHANGE, deadLetterQueueName('sync.jobs'), Buffer.from('{}')),
      ],
    ];

    it.each(cases)('%s', async (_what, user, action) => {
      expect(await refusal(urls[user], action)).toMatch(/ACCESS_REFUSED|access to .* refused/);
    });

    it('still lets KEDA read the job queue depth and the operator read a dead-letter queue', async () => {
      expect(await refusal(urls['pp-keda'], (channel) => channel.checkQueue('sync.jobs'))).toBeUndefined();
      expect(
        await refusal(urls['pp-operator'], (channel) => channel.get(deadLetterQueueName('normalizer.raw'))),
      ).toBeUndefined();
    });
  });
});
