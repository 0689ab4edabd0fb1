import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';

import { EVENTS_EXCHANGE } from '@pp/contracts';
import { AmqpConnection } from '@pp/messaging';

import { JOBS_QUEUE } from '../sync.constants';

/**
 * Declares the workers' durable job queue and its binding from the scheduler side too: a job enqueued before any
 * worker ever started would otherwise be routed nowhere and lost.
 */
@Injectable()
export class JobsQueueDeclarer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(JobsQueueDeclarer.name);
  private channel?: ChannelWrapper;

  constructor(private readonly connection: AmqpConnection) {}

  public onModuleInit(): void {
    this.channel = this.connection.manager.createChannel({
      name: 'sync-jobs-queue-declarer',
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
        await channel.assertQueue(JOBS_QUEUE, { durable: true });
        await channel.bindQueue(JOBS_QUEUE, EVENTS_EXCHANGE, 'sync.job');
      },
    });
    this.channel.on('error', (error: Error) => this.logger.warn(`Could not declare '${JOBS_QUEUE}': ${error.message}`));
  }

  /** Resolves once the queue exists, so nothing is published before it can be routed. */
  public async ready(): Promise<void> {
    await this.channel?.waitForConnect();
  }

  public async onApplicationShutdown(): Promise<void> {
    await Promise.race([this.channel?.close(), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  }
}
