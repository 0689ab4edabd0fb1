import { Injectable } from '@nestjs/common';

import { MessageOf } from '@pp/contracts';
import { OnMessage } from '@pp/messaging';

import { ConnectionsRepository } from '../connections/connections.repository';
import { SyncEnqueuerService } from './sync-enqueuer.service';

/** A new connection: remember it and sync it at once (a first sync reads everything). */
@Injectable()
export class ConnectionConnectedConsumer {
  constructor(
    private readonly connections: ConnectionsRepository,
    private readonly enqueuer: SyncEnqueuerService,
  ) {}

  @OnMessage('credentials.connection.connected')
  public async handle(message: MessageOf<'credentials.connection.connected'>): Promise<void> {
    const { connectionId, connectedAt } = message.payload;
    const applied = await this.connections.applyStatus({
      connectionId,
      tenantId: message.tenantId,
      status: 'connected',
      changedAt: new Date(connectedAt),
    });
    if (applied)
      await this.enqueuer.enqueue({
        connectionId,
        reason: 'connected',
        mode: 'incremental',
        correlationId: message.correlationId,
      });
  }
}
