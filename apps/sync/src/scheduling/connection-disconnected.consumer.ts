import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';

import { MessageOf } from '@pp/contracts';

import { ConnectionsRepository } from '../connections/connections.repository';

/** The org removed its token: no more syncs; synced data stays. */
@Controller()
export class ConnectionDisconnectedConsumer {
  constructor(private readonly connections: ConnectionsRepository) {}

  @EventPattern('credentials.connection.disconnected')
  public async handle(message: MessageOf<'credentials.connection.disconnected'>): Promise<void> {
    await this.connections.applyStatus({
      connectionId: message.payload.connectionId,
      tenantId: message.tenantId,
      status: 'disconnected',
      changedAt: new Date(message.payload.disconnectedAt),
    });
  }
}
