import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';

import { MessageOf } from '@pp/contracts';

import { SyncEnqueuerService } from './sync-enqueuer.service';

/**
 * A sync wanted now (the org pressed "sync"), under the requester's run id. An unknown connection is retried
 * through the delay queues (the connected event and the request may overtake each other), then dead-lettered.
 */
@Controller()
export class SyncRequestedConsumer {
  constructor(private readonly enqueuer: SyncEnqueuerService) {}

  @EventPattern('sync.requested')
  public async handle(message: MessageOf<'sync.requested'>): Promise<void> {
    const { connectionId, syncRunId, reason, mode } = message.payload;
    await this.enqueuer.request({
      connectionId,
      tenantId: message.tenantId,
      syncRunId,
      reason,
      mode,
      correlationId: message.correlationId,
    });
  }
}
