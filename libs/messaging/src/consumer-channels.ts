import { Logger } from '@nestjs/common';
import type { ConfirmChannel } from 'amqplib';

import { DEFAULT_PREFETCH, EVENTS_EXCHANGE } from '@pp/contracts';

import { AmqpConnection } from './amqp-connection';
import { ConsumerQueueOptions, MessagingOptions } from './messaging.options';
import { Delivery } from './routes';
import { assertQueueTopology } from './topology';

/**
 * One confirm channel per consumed queue. Its setup, which runs again on every reconnection, declares the exchange
 * and the queue with its retry and dead-letter queues, sets the prefetch and starts consuming.
 */
export class ConsumerChannels {
  private readonly consumerTags = new Map<ConfirmChannel, string[]>();

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: MessagingOptions,
    private readonly logger: Logger,
  ) {}

  public consume(queue: ConsumerQueueOptions, onDelivery: (delivery: Delivery) => void): void {
    const exchange = this.options.exchange ?? EVENTS_EXCHANGE;
    const prefetch = queue.prefetch ?? DEFAULT_PREFETCH;
    const channel = this.connection.manager.createChannel({
      name: `${this.options.serviceName}:${queue.queue}`,
      confirm: true,
      json: false,
      setup: async (raw: ConfirmChannel) => {
        await raw.assertExchange(exchange, 'topic', { durable: true });
        await assertQueueTopology(raw, exchange, queue);
        await raw.prefetch(prefetch);
        const { consumerTag } = await raw.consume(
          queue.queue,
          (message) => {
            if (message) onDelivery({ raw: message, channel: raw, queue });
          },
          { noAck: false },
        );
        this.consumerTags.set(raw, [...(this.consumerTags.get(raw) ?? []), consumerTag]);
        // A call on a closed channel never settles: forget it so shutdown only cancels live consumers.
        raw.once('close', () => this.consumerTags.delete(raw));
      },
    });
    channel.on('error', (error: Error) =>
      this.logger.error(`Consumer channel of '${queue.queue}' failed: ${error.message}`),
    );
  }

  /** Stops every live consumer, so that no new delivery arrives while the ones in flight finish. */
  public async cancelAll(): Promise<void> {
    for (const [channel, tags] of this.consumerTags) {
      for (const tag of tags) await channel.cancel(tag).catch(() => undefined);
    }
  }
}
