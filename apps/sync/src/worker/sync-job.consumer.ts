import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';

import { MessageOf } from '@pp/contracts';

import { SyncRunnerService } from './sync-runner.service';

/** One job of the competing-consumer queue (prefetch 1): acknowledged only when the run is done or handed over. */
@Controller()
export class SyncJobConsumer {
  constructor(private readonly runner: SyncRunnerService) {}

  @EventPattern('sync.job')
  public handle(message: MessageOf<'sync.job'>): Promise<void> {
    return this.runner.handle(message.payload);
  }
}
