import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';

import { MessageOf } from '@pp/contracts';

import { SyncEnqueuerService } from './sync-enqueuer.service';

/**
 * A run ended: its connection's follow-up run (asked for while it ran) starts now rather than at the next tick,
 * since someone is waiting for it. The tick still picks up any follow-up this misses.
 */
@Controller()
export class SyncRunFinishedConsumer {
  constructor(private readonly enqueuer: SyncEnqueuerService) {}

  @EventPattern('sync.run.finished')
  public async handle(message: MessageOf<'sync.run.finished'>): Promise<void> {
    await this.enqueuer.next(message.payload.connectionId);
  }
}
