import { Injectable } from '@nestjs/common';

import { MessageOf } from '@pp/contracts';
import { OnMessage } from '@pp/messaging';

import { ConnectionsRepository } from '../connections/connections.repository';

/** Status decided by the credentials service (e.g. a token it found invalid while validating). */
@Injectable()
export class ConnectionStatusChangedConsumer {
  constructor(private readonly connections: ConnectionsRepository) {}

  @OnMessage('credentials.connection.status-changed')
  public async handle(message: MessageOf<'credentials.connection.status-changed'>): Promise<void> {
    await this.connections.applyStatus({
      connectionId: message.payload.connectionId,
      tenantId: message.tenantId,
      status: message.payload.status,
      changedAt: new Date(message.payload.changedAt),
    });
  }
}
