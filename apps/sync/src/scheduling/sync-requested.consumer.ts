import { Injectable, Logger } from '@nestjs/common';

import { MessageOf } from '@pp/contracts';
import { OnMessage } from '@pp/messaging';

import { ConnectionsRepository } from '../connections/connections.repository';
import { SyncEnqueuerService } from './sync-enqueuer.service';

export class UnknownConnectionError extends Error {
  constructor(connectionId: string) {
    super(`Connection '${connectionId}' is not known yet (its connected event may still be on its way)`);
    this.name = 'UnknownConnectionError';
  }
}

/** A sync wanted now (the org pressed "sync"): enqueued under the requester's run id unless one is active. */
@Injectable()
export class SyncRequestedConsumer {
  private readonly logger = new Logger(SyncRequestedConsumer.name);

  constructor(
    private readonly connections: ConnectionsRepository,
    private readonly enqueuer: SyncEnqueuerService,
  ) {}

  @OnMessage('sync.requested')
  public async handle(message: MessageOf<'sync.requested'>): Promise<void> {
    const { connectionId, syncRunId, reason, mode } = message.payload;
    const connection = await this.connections.find(connectionId);
    // Retried through the delay queues: the connected event and the request may overtake each other.
    if (!connection) throw new UnknownConnectionError(connectionId);
    if (connection.tenantId !== message.tenantId) {
      this.logger.warn(`Ignoring a sync request for connection '${connectionId}' from another tenant`);
      return;
    }
    await this.enqueuer.enqueue({ connectionId, reason, mode, syncRunId, correlationId: message.correlationId });
  }
}
