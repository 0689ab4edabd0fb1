import { Injectable } from '@nestjs/common';

import { MessageOf } from '@pp/contracts';
import { OnMessage } from '@pp/messaging';

import { ConnectionsRepository } from '../connections/connections.repository';
import { SyncEnqueuerService } from './sync-enqueuer.service';

/** A new token for an existing connection: it is usable again (even if it was invalid), so sync now. */
@Injectable()
export class ConnectionRotatedConsumer {
  constructor(
    private readonly connections: ConnectionsRepository,
    private readonly enqueuer: SyncEnqueuerService,
  ) {}

  @OnMessage('credentials.connection.rotated')
  public async handle(message: MessageOf<'credentials.connection.rotated'>): Promise<void> {
    const { connectionId, rotatedAt } = message.payload;
    const applied = await this.connections.applyStatus({
      connectionId,
      tenantId: message.tenantId,
      status: 'connected',
      changedAt: new Date(rotatedAt),
    });
    if (applied)
      await this.enqueuer.enqueue({
        connectionId,
        reason: 'rotated',
        mode: 'incremental',
        correlationId: message.correlationId,
      });
  }
}
