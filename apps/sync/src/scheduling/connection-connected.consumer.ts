import { randomUUID } from 'node:crypto';

import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';

import { MessageOf } from '@pp/contracts';

import { ConnectionsRepository } from '../connections/connections.repository';
import { SyncEnqueuerService } from './sync-enqueuer.service';

/** A new connection: remember it and sync it at once (a first sync reads everything). */
@Controller()
export class ConnectionConnectedConsumer {
  constructor(
    private readonly connections: ConnectionsRepository,
    private readonly enqueuer: SyncEnqueuerService,
  ) {}

  @EventPattern('credentials.connection.connected')
  public async handle(message: MessageOf<'credentials.connection.connected'>): Promise<void> {
    const { connectionId, connectedAt, syncRunId } = message.payload;
    const applied = await this.connections.applyStatus({
      connectionId,
      tenantId: message.tenantId,
      status: 'connected',
      changedAt: new Date(connectedAt),
    });
    // The credentials service may already have answered with this run id, so even a stale event's run gets an
    // outcome (merged into the newer event's run, or failed if the connection went away since).
    if (applied || syncRunId)
      await this.enqueuer.request({
        connectionId,
        tenantId: message.tenantId,
        syncRunId: syncRunId ?? randomUUID(),
        reason: 'connected',
        mode: 'incremental',
        correlationId: message.correlationId,
      });
  }
}
