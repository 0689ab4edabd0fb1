import { randomBytes, randomUUID } from 'node:crypto';

import { DynamicModule, FactoryProvider, INestApplication, LoggerService, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import amqplib, { Channel, ChannelModel } from 'amqplib';
import { PARAMS_PROVIDER_TOKEN, Params } from 'nestjs-pino';
import { __resetOutOfContextForTests } from 'nestjs-pino/PinoLogger';
import request from 'supertest';

import { signUserJwt } from '@pp/auth';
import { EVENTS_EXCHANGE, RoutingKey } from '@pp/contracts';
import { MessagingModule } from '@pp/messaging';
import { initializeApp, LoggingModule } from '@pp/observability';
import { waitFor } from '@pp/testing';
import { TokenHandoffClient, TokenHandoffModule } from '@pp/token-handoff';

export const JWT_SECRET = `test-jwt-secret-${randomBytes(16).toString('hex')}`;
export const HANDOFF_KEY = randomBytes(32).toString('base64');
export const KEY_V1 = { id: 'v1', material: randomBytes(32).toString('base64') };
export const KEY_V2 = { id: 'v2', material: randomBytes(32).toString('base64') };

/**
 * Points the credentials app this process boots at a suite's own database, vhost and sandbox, with the keys above;
 * `overrides` adds or replaces variables for what the suite exercises.
 */
export function useCredentialsEnvironment(
  { databaseUrl, amqpUrl, sandboxUrl }: { databaseUrl: string; amqpUrl: string; sandboxUrl: string },
  overrides: Record<string, string> = {},
): void {
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    AMQP_URL: amqpUrl,
    PARTNERSTACK_API_URL: sandboxUrl,
    JWT_SECRET,
    TOKEN_HANDOFF_KEY: HANDOFF_KEY,
    CREDENTIALS_ENCRYPTION_KEYS: `${KEY_V1.id}:${KEY_V1.material}`,
    ...overrides,
  });
}

export function sandboxToken(): string {
  return `sandbox_${randomBytes(16).toString('hex')}`;
}

export function jwtFor(org: string | undefined, roles: string[] = ['admin'], sub = `user_${randomUUID()}`): string {
  return signUserJwt({ sub, ...(org ? { org } : {}), roles }, JWT_SECRET);
}

export interface TappedMessage {
  routingKey: string;
  body: string;
  parsed: { tenantId: string; routingKey: string; payload: Record<string, unknown> };
}

/** Every message published on the events exchange of the vhost, raw, for leak scans and event assertions. */
export class EventTap {
  public readonly messages: TappedMessage[] = [];
  private constructor(
    private readonly connection: ChannelModel,
    public readonly channel: Channel,
  ) {}

  static async open(url: string): Promise<EventTap> {
    const connection = await amqplib.connect(url);
    const channel = await connection.createChannel();
    await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, EVENTS_EXCHANGE, '#');
    const tap = new EventTap(connection, channel);
    await channel.consume(
      queue,
      (message) => {
        if (!message) return;
        const body = message.content.toString('utf8');
        tap.messages.push({ routingKey: message.fields.routingKey, body, parsed: JSON.parse(body) });
      },
      { noAck: true },
    );
    return tap;
  }

  public of(key: RoutingKey, tenantId: string): TappedMessage[] {
    return this.messages.filter((message) => message.routingKey === key && message.parsed.tenantId === tenantId);
  }

  public awaitEvents(key: RoutingKey, tenantId: string): Promise<TappedMessage[]> {
    return waitFor(
      () => {
        const found = this.of(key, tenantId);
        return found.length > 0 ? found : undefined;
      },
      { description: `'${key}' of '${tenantId}' on the events exchange` },
    );
  }

  /** Publishes a catalogue envelope as another service would. */
  public publish(key: RoutingKey, tenantId: string, payload: object): void {
    const envelope = {
      messageId: randomUUID(),
      routingKey: key,
      schemaVersion: 1,
      tenantId,
      correlationId: randomUUID(),
      occurredAt: new Date().toISOString(),
      idempotencyKey: randomUUID(),
      payload,
    };
    this.channel.publish(EVENTS_EXCHANGE, key, Buffer.from(JSON.stringify(envelope)), {
      persistent: true,
      contentType: 'application/json',
    });
  }

  public async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}

/** Boots the credentials app in-process with its pino output captured line by line. */
export async function startCredentialsApp(logLines: string[]): Promise<INestApplication> {
  const { CredentialsModule, CREDENTIALS_LOGGING } = await import('../../../apps/credentials/src/credentials.module');
  const { CREDENTIALS_SERVICE_OPTIONS } = await import('../../../apps/credentials/src/credentials.constants');
  const pinoModule = LoggingModule.forRoot('credentials', CREDENTIALS_LOGGING).imports![0] as DynamicModule;
  const original = pinoModule.providers!.find(
    (provider) => (provider as FactoryProvider).provide === PARAMS_PROVIDER_TOKEN,
  ) as FactoryProvider<Params>;
  const destination = { write: (line: string) => void logLines.push(line) };
  // nestjs-pino keeps one process-wide logger for Nest Logger calls, created by the first app of the process
  // (here possibly the in-process sandbox); reset it so this app's lines reach the captured destination.
  __resetOutOfContextForTests();
  const moduleRef = await Test.createTestingModule({ imports: [CredentialsModule] })
    .overrideProvider(PARAMS_PROVIDER_TOKEN)
    .useFactory({
      inject: [ConfigService],
      factory: (config: ConfigService) => {
        const params = original.useFactory(config) as Params;
        return { ...params, pinoHttp: [params.pinoHttp, destination] } as Params;
      },
    })
    .compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true });
  await initializeApp(app, CREDENTIALS_SERVICE_OPTIONS);
  return app;
}

/** The sync service's side of the hand-off, as its own app with its own broker connection. */
export async function startHandoffClient(
  amqpUrl: string,
  key: string,
  logger: LoggerService,
): Promise<{
  client: TokenHandoffClient;
  close: () => Promise<void>;
}> {
  @Module({
    imports: [
      MessagingModule.forRootAsync({ useFactory: () => ({ url: amqpUrl, serviceName: 'sync' }) }),
      TokenHandoffModule.forRootAsync({ useFactory: () => ({ key, timeoutMs: 3_000 }) }),
    ],
  })
  class SyncSideModule {}
  // Compiling a testing module replaces Nest's process-wide logger; keep the captured one in place.
  const moduleRef = await Test.createTestingModule({ imports: [SyncSideModule] })
    .setLogger(logger)
    .compile();
  const app = moduleRef.createNestApplication();
  await app.init();
  return { client: app.get(TokenHandoffClient), close: () => app.close() };
}

/**
 * Resolves once every queue exists with a consumer: an app's consumers start after `init()` resolves, and an event
 * published before its queue is bound is dropped by the broker.
 */
export async function waitForConsumers(url: string, queues: string[]): Promise<void> {
  const connection = await amqplib.connect(url);
  try {
    for (const queue of queues) {
      await waitFor(
        async () => {
          // A missing queue closes the channel (404), so each attempt gets its own.
          const channel = await connection.createChannel();
          channel.on('error', () => undefined);
          const { consumerCount } = await channel.checkQueue(queue);
          await channel.close();
          return consumerCount > 0;
        },
        { description: `a consumer on queue '${queue}'` },
      );
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export function api(app: INestApplication) {
  return request(app.getHttpServer());
}
