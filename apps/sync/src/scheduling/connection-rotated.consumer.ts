import { randomUUID } from 'node:crypto';

import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';

import { MessageOf } from '@pp/contracts';

import { ConnectionsRepository } from '../connections/connections.repository';
import { SyncEnqueuerService } from './sync-enqueuer.service';

/** A new token for an existing connection: it is usable again (even if it was invalid), so sync now. */
@Controller()
export class ConnectionRotatedConsumer {
  constructor(
    private readonly connections: ConnectionsRepository,
    private readonly enqueuer: SyncEnqueuerService,
  ) {}

  @EventPattern('credentials.connection.rotated')
  public async handle(message: MessageOf<'credentials.connection.rotated'>): Promise<void> {
    const { connectionId, rotatedAt, syncRunId } = message.payload;
    const applied = await this.connections.applyStatus({
      connectionId,
      tenantId: message.tenantId,
      status: 'connected',
      changedAt: new Date(rotatedAt),
    });
    // The credentials service may already have answered with this run id, so even a stale event's run gets an
    // outcome (merged into the newer event's run, or failed if the connection went away since).
    if (applied || syncRunId)
      await this.enqueuer.request({
        connectionId,
        tenantId: message.tenantId,
        syncRunId: syncRunId ?? randomUUID(),
        reason: 'rotated',
        mode: 'incremental',
        correlationId: message.correlationId,
      });
  }
}
