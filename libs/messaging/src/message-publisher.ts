import { randomUUID } from 'node:crypto';

import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';

import { sleep } from '@pp/common';
import { contractOf, EVENTS_EXCHANGE, MessageOf, PayloadInputOf, RoutingKey } from '@pp/contracts';
import { currentCorrelation, newCorrelationId } from '@pp/observability';

import { AmqpConnection } from './amqp-connection';
import { InvalidMessageError } from './errors';
import { MESSAGING_OPTIONS, MessagingOptions } from './messaging.options';
import { messagingMetrics } from './metrics';
import { assertQueueTopology, Headers } from './topology';

export interface PublishMeta {
  tenantId: string;
  /** Defaults to the correlation id of the current scope (HTTP request, message, sync job), else a new one. */
  correlationId?: string;
  /** Lets consumers recognise a redelivered or republished fact; defaults to the message id. */
  idempotencyKey?: string;
  occurredAt?: Date;
}

export interface OutgoingMessage<K extends RoutingKey> {
  key: K;
  payload: PayloadInputOf<K>;
  meta: PublishMeta;
}

/**
 * Publishes catalogue messages as persistent JSON on a confirm channel: the returned promise resolves only once
 * the broker has taken the message. While the broker is unreachable, messages wait in memory and are sent on
 * reconnect; a message in flight when the connection drops is sent again (consumers are idempotent).
 */
@Injectable()
export class MessagePublisher implements BeforeApplicationShutdown {
  private readonly logger = new Logger(MessagePublisher.name);
  private readonly channel: ChannelWrapper;
  private readonly exchange: string;

  constructor(connection: AmqpConnection, @Inject(MESSAGING_OPTIONS) options: MessagingOptions) {
    this.exchange = options.exchange ?? EVENTS_EXCHANGE;
    const exchange = this.exchange;
    const queues = options.publishesTo ?? [];
    this.channel = connection.manager.createChannel({
      name: `${options.serviceName}-publisher`,
      confirm: true,
      json: false,
      publishTimeout: 120_000,
      // The channel sends nothing before its setup is done, so these queues exist before the first publish.
      setup: async (channel: ConfirmChannel) => {
        await channel.assertExchange(exchange, 'topic', { durable: true });
        for (const queue of queues) await assertQueueTopology(channel, exchange, queue);
      },
    });
    // Setup failures (broker going away mid-declare) are retried on reconnect; they must not crash the process.
    this.channel.on('error', (error: Error) => this.logger.warn(`Publisher channel error: ${error.message}`));
  }

  public build<K extends RoutingKey>(key: K, payload: PayloadInputOf<K>, meta: PublishMeta): MessageOf<K> {
    const contract = contractOf(key);
    const parsed = contract.payload.safeParse(payload);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`);
      throw new InvalidMessageError(`Refusing to publish ${key}: ${issues.join('; ')}`);
    }
    const messageId = randomUUID();
    const scope = currentCorrelation();
    return {
      messageId,
      routingKey: key,
      schemaVersion: contract.schemaVersion,
      tenantId: meta.tenantId,
      correlationId: meta.correlationId ?? scope?.correlationId ?? newCorrelationId(),
      occurredAt: (meta.occurredAt ?? new Date()).toISOString(),
      idempotencyKey: meta.idempotencyKey ?? messageId,
      payload: parsed.data as MessageOf<K>['payload'],
    };
  }

  public async publish<K extends RoutingKey>(
    key: K,
    payload: PayloadInputOf<K>,
    meta: PublishMeta,
  ): Promise<MessageOf<K>> {
    const message = this.build(key, payload, meta);
    await this.send(message);
    return message;
  }

  /** Publishes many messages at once and resolves when the broker has confirmed all of them. */
  public async publishAll(messages: OutgoingMessage<RoutingKey>[]): Promise<void> {
    const built = messages.map(({ key, payload, meta }) => this.build(key, payload, meta));
    await Promise.all(built.map((message) => this.send(message)));
  }

  private async send(message: MessageOf<RoutingKey>): Promise<void> {
    await this.channel.publish(this.exchange, message.routingKey, Buffer.from(JSON.stringify(message)), {
      persistent: true,
      contentType: 'application/json',
      messageId: message.messageId,
      correlationId: message.correlationId,
      type: message.routingKey,
      timestamp: Math.floor(Date.parse(message.occurredAt) / 1000),
      headers: { [Headers.schemaVersion]: message.schemaVersion, [Headers.tenantId]: message.tenantId },
    });
    messagingMetrics.published.inc({ routing_key: message.routingKey });
  }

  /** Messages accepted by `publish` and not yet confirmed (waiting for the broker). */
  public pending(): number {
    return this.channel.queueLength();
  }

  /** Gives messages still waiting for the broker a moment to be confirmed before the connection closes. */
  public async beforeApplicationShutdown(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (this.channel.queueLength() > 0 && Date.now() < deadline) {
      await sleep(50);
    }
  }
}
