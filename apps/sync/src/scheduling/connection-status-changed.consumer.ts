import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';

import { MessageOf } from '@pp/contracts';

import { ConnectionsRepository } from '../connections/connections.repository';

/** Status decided by the credentials service (e.g. a token it found invalid while validating). */
@Controller()
export class ConnectionStatusChangedConsumer {
  constructor(private readonly connections: ConnectionsRepository) {}

  @EventPattern('credentials.connection.status-changed')
  public async handle(message: MessageOf<'credentials.connection.status-changed'>): Promise<void> {
    await this.connections.applyStatus({
      connectionId: message.payload.connectionId,
      tenantId: message.tenantId,
      status: message.payload.status,
      changedAt: new Date(message.payload.changedAt),
    });
  }
}
