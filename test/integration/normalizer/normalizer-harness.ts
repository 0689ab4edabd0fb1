import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import amqplib from 'amqplib';

import { EVENTS_EXCHANGE, QUEUES, RAW_RECORD_KEYS } from '@pp/contracts';
import { type AnyMessage, startEventsTransport } from '@pp/messaging';

export interface NormalizerInfra {
  env: Record<string, string>;
  amqpUrl: string;
}

const ROOT = join(__dirname, '..', '..', '..');

/**
 * Boots the normalizer app in this process (no HTTP listener) against the suite's database and vhost. The module is
 * loaded only now: its configuration reads the environment when the module is first imported.
 */
export async function bootNormalizer(infra: NormalizerInfra): Promise<INestApplication> {
  Object.assign(process.env, infra.env);
  const { NormalizerModule } = await import('../../../apps/normalizer/src/normalizer.module');
  const app = await NestFactory.create(NormalizerModule, { logger: ['error'] });
  app.enableShutdownHooks();
  await app.init();
  await startEventsTransport(app);
  return app;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The normalizer in a process of its own, from its real entry point (main.ts through ts-node with swc). */
export async function spawnNormalizer(infra: NormalizerInfra): Promise<ChildProcess> {
  const port = await freePort();
  return spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      join(ROOT, 'apps/normalizer/src/main.ts'),
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...infra.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        TS_NODE_SWC: 'true',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

export async function stopGracefully(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** A plain AMQP client, as the sync service would be: publishes envelopes and inspects queues. */
export class BrokerClient {
  private constructor(
    private readonly connection: amqplib.ChannelModel,
    public readonly channel: amqplib.ConfirmChannel,
  ) {}

  static async connect(url: string): Promise<BrokerClient> {
    const connection = await amqplib.connect(url);
    const channel = await connection.createConfirmChannel();
    await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
    return new BrokerClient(connection, channel);
  }

  /** Declares the normalizer's work queue as the app does, so messages published before it starts wait there. */
  async declareRawQueue(): Promise<void> {
    await this.channel.assertQueue(QUEUES.normalizerRaw.queue, { durable: true });
    for (const key of RAW_RECORD_KEYS) await this.channel.bindQueue(QUEUES.normalizerRaw.queue, EVENTS_EXCHANGE, key);
  }

  async publish(messages: (AnyMessage | { routingKey: string; body: unknown })[]): Promise<void> {
    for (const message of messages) {
      const body = 'body' in message ? message.body : message;
      const ok = this.channel.publish(EVENTS_EXCHANGE, message.routingKey, Buffer.from(JSON.stringify(body)), {
        persistent: true,
        contentType: 'application/json',
      });
      if (!ok) await new Promise((resolve) => this.channel.once('drain', resolve));
    }
    await this.channel.waitForConfirms();
  }

  /** Messages and consumers of a queue; a channel of its own, since checking a missing queue closes the channel. */
  async inspect(queue: string): Promise<{ messageCount: number; consumerCount: number } | undefined> {
    const channel = await this.connection.createChannel();
    channel.on('error', () => undefined);
    try {
      return await channel.checkQueue(queue);
    } catch {
      return undefined;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async messageCount(queue: string): Promise<number> {
    return (await this.inspect(queue))?.messageCount ?? 0;
  }

  /** Until the normalizer consumes its queues (declared by the app on its first connection). */
  async waitForConsumer(queue: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (((await this.inspect(queue))?.consumerCount ?? 0) === 0) {
      if (Date.now() > deadline) throw new Error(`No consumer on '${queue}' after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Takes every message of a queue (acknowledged), e.g. the dead letters. */
  async drain(queue: string): Promise<amqplib.GetMessage[]> {
    const taken: amqplib.GetMessage[] = [];
    for (;;) {
      const message = await this.channel.get(queue, { noAck: true });
      if (!message) return taken;
      taken.push(message);
    }
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}
