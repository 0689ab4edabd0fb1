import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

import { AmqpConnection } from './amqp-connection';
import { ConsumerChannels } from './consumer-channels';
import { wireHandlers } from './handler-wiring';
import { MessageDelivery } from './message-delivery';
import { MESSAGING_OPTIONS, MessagingOptions } from './messaging.options';

/**
 * Owns consumption for the app. At boot it routes every bound routing key to exactly one @OnMessage handler
 * (refusing to boot otherwise: wireHandlers), then consumes each queue on its own channel with its retry and
 * dead-letter queues (ConsumerChannels), handing every delivery to MessageDelivery, which validates it, runs its
 * handler in the message's correlation scope, and acknowledges, retries or dead-letters it. At shutdown it stops
 * consuming, flushes the batches and waits for the handlers still running.
 */
@Injectable()
export class MessageDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MessageDispatcher.name);
  private readonly channels: ConsumerChannels;
  /** Set once the handlers are wired: no delivery is consumed before. */
  private delivery?: MessageDelivery;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    connection: AmqpConnection,
    private readonly discovery: DiscoveryService,
    private readonly metadataScanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {
    this.channels = new ConsumerChannels(connection, options, this.logger);
  }

  public async onApplicationBootstrap(): Promise<void> {
    const queues = this.options.queues ?? [];
    const routes = wireHandlers(queues, {
      discovery: this.discovery,
      metadataScanner: this.metadataScanner,
      reflector: this.reflector,
    });
    const delivery = new MessageDelivery(routes, this.options.serviceName, this.logger);
    this.delivery = delivery;
    for (const queue of queues) this.channels.consume(queue, (message) => delivery.accept(message));
  }

  public async beforeApplicationShutdown(): Promise<void> {
    await this.channels.cancelAll();
    await this.delivery?.drain(this.options.shutdownGraceMs ?? 10_000);
  }
}
