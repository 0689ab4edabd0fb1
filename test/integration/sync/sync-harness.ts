import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import amqp from 'amqplib';
import { Client } from 'pg';

import { EVENTS_EXCHANGE, PayloadInputOf, RoutingKey } from '@pp/contracts';
import { MessagePublisher, MessagingModule, startEventsTransport } from '@pp/messaging';
import { createTestDatabase, createTestVhost, waitFor } from '@pp/testing';
import { DEVELOPMENT_TOKEN_HANDOFF_KEY, TokenHandoffServerModule, TokenResolution } from '@pp/token-handoff';

import { SyncRole } from '../../../apps/sync/src/config/sync.env';
import { SyncModule } from '../../../apps/sync/src/sync.module';

export interface CapturedMessage {
  routingKey: string;
  tenantId: string;
  correlationId: string;
  idempotencyKey: string;
  payload: Record<string, unknown> & { externalKey?: string; syncRunId?: string; connectionId?: string };
}

/**
 * A raw page event as one captured message per record (payload with `externalKey` and `record`), so suites count
 * records; `pageMessageId` tells which records travelled together. Other messages as they are.
 */
function perRecord(message: CapturedMessage): CapturedMessage[] {
  const { records, ...page } = message.payload as { records?: { externalKey: string; record: unknown }[] };
  if (!Array.isArray(records)) return [message];
  return records.map(({ externalKey, record }) => ({
    ...message,
    payload: { ...page, externalKey, record, pageMessageId: (message as { messageId?: string }).messageId },
  }));
}

/** Every message published on the suite's vhost, as consumers see it (raw pages split into their records). */
export class EventRecorder {
  public readonly messages: CapturedMessage[] = [];
  private connection?: amqp.ChannelModel;

  public async start(url: string): Promise<void> {
    this.connection = await amqp.connect(url);
    const channel = await this.connection.createChannel();
    await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, EVENTS_EXCHANGE, '#');
    await channel.consume(
      queue,
      (message) => {
        if (message) this.messages.push(...perRecord(JSON.parse(message.content.toString('utf8')) as CapturedMessage));
      },
      { noAck: true },
    );
  }

  public of(prefix: string, filter: (message: CapturedMessage) => boolean = () => true): CapturedMessage[] {
    return this.messages.filter((message) => message.routingKey.startsWith(prefix) && filter(message));
  }

  public raw(runId: string): CapturedMessage[] {
    return this.of('partnerstack.raw.', (m) => m.payload.syncRunId === runId && !m.routingKey.endsWith('.removed'));
  }

  public removed(runId: string): CapturedMessage[] {
    return this.of('partnerstack.raw.', (m) => m.payload.syncRunId === runId && m.routingKey.endsWith('.removed'));
  }

  public finished(connectionId: string): CapturedMessage[] {
    return this.of('sync.run.finished', (m) => m.payload.connectionId === connectionId);
  }

  public async stop(): Promise<void> {
    await this.connection?.close().catch(() => undefined);
  }
}

/** The credentials service's hand-off server piece, answering with the suite's own token table. */
export async function startHandoffServer(amqpUrl: string, tokens: Map<string, string>): Promise<INestApplication> {
  @Module({
    imports: [
      MessagingModule.forRootAsync({ useFactory: () => ({ url: amqpUrl, serviceName: 'credentials-handoff-test' }) }),
      TokenHandoffServerModule.forRootAsync({
        useFactory: () => ({
          key: DEVELOPMENT_TOKEN_HANDOFF_KEY,
          resolver: {
            resolve: async ({ connectionId }): Promise<TokenResolution> => {
              const token = tokens.get(connectionId);
              return token ? { status: 'available', token } : { status: 'unavailable', reason: 'unknown' };
            },
          },
        }),
      }),
    ],
  })
  class HandoffTestModule {}
  const app = await NestFactory.create(HandoffTestModule, { logger: false });
  await app.init();
  return app;
}

export interface SyncInfra {
  databaseUrl: string;
  amqpUrl: string;
  db: Client;
  env: Record<string, string>;
  drop(): Promise<void>;
}

export async function createSyncInfra(apiUrl: string, env: Record<string, string> = {}): Promise<SyncInfra> {
  const database = await createTestDatabase('pp_sync');
  const vhost = await createTestVhost('pp_sync');
  const db = new Client({ connectionString: database.url });
  await db.connect();
  return {
    databaseUrl: database.url,
    amqpUrl: vhost.url,
    db,
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      DATABASE_URL: database.url,
      AMQP_URL: vhost.url,
      PARTNERSTACK_API_URL: apiUrl,
      SYNC_LEASE_TTL_SECONDS: '3',
      SYNC_SCHEDULER_TICK_SECONDS: '1',
      SYNC_JOB_RETRY_BASE_SECONDS: '0.2',
      PARTNERSTACK_REQUESTS_PER_MINUTE: '60000',
      // Suites measure their own budgets; the deployment-wide one (default 3,000/min) would only slow them down.
      PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE: '1000000',
      ...env,
    },
    drop: async () => {
      await db.end().catch(() => undefined);
      await database.drop();
      await vhost.drop();
    },
  };
}

/** Boots the sync app in this process with the suite's environment. */
export async function bootSync(
  infra: SyncInfra,
  role: SyncRole,
  env: Record<string, string> = {},
): Promise<INestApplication> {
  Object.assign(process.env, infra.env, env, { SYNC_ROLE: role });
  const app = await NestFactory.create(SyncModule.forRole(role), { logger: ['error'] });
  await app.init();
  await startEventsTransport(app);
  return app;
}

/** A worker in a process of its own (for the kill test): the app's main.ts run through ts-node. */
export function spawnWorker(infra: SyncInfra, env: Record<string, string> = {}): ChildProcess {
  const root = join(__dirname, '..', '..', '..');
  return spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(root, 'apps/sync/src/main.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        ...infra.env,
        ...env,
        SYNC_ROLE: 'worker',
        PORT: String(40_000 + Math.floor(Math.random() * 20_000)),
        TS_NODE_PROJECT: join(root, 'tsconfig.json'),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

/**
 * Closes an app, but gives up after a few seconds: @pp/messaging's shutdown can wait forever on a channel
 * close racing the connection close (reported to the lead); the suite's vhost is dropped afterwards anyway.
 */
export async function closeApp(app: INestApplication | undefined): Promise<void> {
  if (!app) return;
  await Promise.race([
    app.close().catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, 3_000).unref()),
  ]);
}

export async function publish<K extends RoutingKey>(
  app: INestApplication,
  key: K,
  payload: PayloadInputOf<K>,
  tenantId: string,
): Promise<void> {
  await app.get(MessagePublisher).publish(key, payload, { tenantId });
}

export async function connectOrg(app: INestApplication, tenantId: string): Promise<string> {
  const connectionId = randomUUID();
  await publish(
    app,
    'credentials.connection.connected',
    {
      connectionId,
      actorUserId: 'user-1',
      tokenHint: 'xxxx',
      connectedAt: new Date().toISOString(),
    },
    tenantId,
  );
  return connectionId;
}

export async function waitForRuns(
  recorder: EventRecorder,
  connectionId: string,
  count: number,
  timeoutMs = 60_000,
): Promise<CapturedMessage[]> {
  return waitFor(
    () => {
      const finished = recorder.finished(connectionId);
      return finished.length >= count ? finished : undefined;
    },
    { timeoutMs, description: `${count} finished run(s) of connection ${connectionId}` },
  );
}

/**
 * Waits until the app's consumers declared their queues: the dispatcher sets its channels up after boot, and an event
 * published before its queue is bound is routed nowhere (in production the durable queues exist from the first boot).
 */
export async function waitForQueues(infra: SyncInfra, queues: readonly string[]): Promise<void> {
  const connection = await amqp.connect(infra.amqpUrl);
  try {
    await waitFor(
      async () => {
        for (const queue of queues) {
          const channel = await connection.createChannel();
          channel.on('error', () => undefined);
          try {
            await channel.checkQueue(queue);
            await channel.close();
          } catch {
            return undefined;
          }
        }
        return true;
      },
      { description: `queues ${queues.join(', ')} declared` },
    );
  } finally {
    await connection.close().catch(() => undefined);
  }
}
