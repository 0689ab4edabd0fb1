import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';

import { RoutingKey } from '@pp/contracts';

import { AmqpConnection } from './amqp-connection';
import { ConsumerChannels } from './consumer-channels';
import { MessageDelivery } from './message-delivery';
import { ConsumerQueueOptions, MESSAGING_OPTIONS, MessagingOptions } from './messaging.options';
import { Route } from './routes';

/**
 * Owns consumption for the app. Started by AmqpEventsTransport with a route for every bound routing key (each to
 * its one @EventPattern handler), it consumes each queue on its own channel with its retry and
 * dead-letter queues (ConsumerChannels), handing every delivery to MessageDelivery, which validates it, runs its
 * handler in the message's correlation scope, and acknowledges, retries or dead-letters it. At shutdown it stops
 * consuming, flushes the batches and waits for the handlers still running.
 */
@Injectable()
export class MessageDispatcher implements BeforeApplicationShutdown {
  private readonly logger = new Logger(MessageDispatcher.name);
  private readonly channels: ConsumerChannels;
  /** Set once the transport has routed the handlers: no delivery is consumed before. */
  private delivery?: MessageDelivery;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    connection: AmqpConnection,
  ) {
    this.channels = new ConsumerChannels(connection, options, this.logger);
  }

  /** The queues this app consumes, as its MessagingModule declares them. */
  public get queues(): readonly ConsumerQueueOptions[] {
    return this.options.queues ?? [];
  }

  /** Starts consuming every queue, each delivery going to its key's route; once. */
  public start(routes: ReadonlyMap<RoutingKey, Route>): void {
    if (this.delivery) throw new Error('MessageDispatcher is already consuming');
    const delivery = new MessageDelivery(routes, this.options.serviceName, this.logger);
    this.delivery = delivery;
    for (const queue of this.queues) this.channels.consume(queue, (message) => delivery.accept(message));
  }

  public async beforeApplicationShutdown(): Promise<void> {
    await this.channels.cancelAll();
    await this.delivery?.drain(this.options.shutdownGraceMs ?? 10_000);
  }
}
