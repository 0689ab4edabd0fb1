import { Injectable } from '@nestjs/common';

import { MessageOf } from '@pp/contracts';
import { OnMessage } from '@pp/messaging';

import { ConnectionsRepository } from '../connections/connections.repository';

/** The org removed its token: no more syncs; synced data stays. */
@Injectable()
export class ConnectionDisconnectedConsumer {
  constructor(private readonly connections: ConnectionsRepository) {}

  @OnMessage('credentials.connection.disconnected')
  public async handle(message: MessageOf<'credentials.connection.disconnected'>): Promise<void> {
    await this.connections.applyStatus({
      connectionId: message.payload.connectionId,
      tenantId: message.tenantId,
      status: 'disconnected',
      changedAt: new Date(message.payload.disconnectedAt),
    });
  }
}
