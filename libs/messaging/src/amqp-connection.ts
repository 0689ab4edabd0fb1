import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import amqp, { AmqpConnectionManager } from 'amqp-connection-manager';

import { ReadinessProbe } from '@pp/observability';

import { MESSAGING_OPTIONS, MessagingOptions } from './messaging.options';

/** Strips credentials from a broker URL so it can be logged. */
export function describeBrokerUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || 5672}${parsed.pathname}`;
  } catch {
    return '(unparseable AMQP_URL)';
  }
}

/**
 * One broker connection per process. It reconnects by itself; channels created from it re-run their
 * setup (topology, consumers) on every reconnect, and publishes made while it is down wait for it.
 */
@Injectable()
export class AmqpConnection implements OnApplicationShutdown {
  private readonly logger = new Logger(AmqpConnection.name);
  public readonly manager: AmqpConnectionManager;

  constructor(@Inject(MESSAGING_OPTIONS) options: MessagingOptions) {
    const where = describeBrokerUrl(options.url);
    this.manager = amqp.connect([options.url], {
      heartbeatIntervalInSeconds: 5,
      reconnectTimeInSeconds: 1,
      connectionOptions: { clientProperties: { connection_name: options.serviceName } },
    });
    this.manager.on('connect', () => this.logger.log(`Connected to RabbitMQ at ${where}`));
    this.manager.on('disconnect', ({ err }) =>
      this.logger.warn(`Lost RabbitMQ connection at ${where}: ${err?.message ?? 'closed'}; reconnecting`),
    );
    this.manager.on('connectFailed', ({ err }) =>
      this.logger.warn(`Cannot reach RabbitMQ at ${where}: ${err?.message ?? 'unknown error'}; retrying`),
    );
    this.manager.on('blocked', ({ reason }) => this.logger.warn(`RabbitMQ blocked publishing: ${reason}`));
  }

  public isConnected(): boolean {
    return this.manager.isConnected();
  }

  public async onApplicationShutdown(): Promise<void> {
    // Closes every channel created from it too; consumers were cancelled and publishes flushed before this.
    await this.manager.close();
  }
}

@Injectable()
export class BrokerReadinessProbe implements ReadinessProbe {
  public readonly name = 'rabbitmq';

  constructor(private readonly connection: AmqpConnection) {}

  public async isReady(): Promise<boolean> {
    return this.connection.isConnected();
  }
}
