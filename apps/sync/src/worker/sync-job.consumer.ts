import { Injectable } from '@nestjs/common';

import { MessageOf } from '@pp/contracts';
import { OnMessage } from '@pp/messaging';

import { SyncRunnerService } from './sync-runner.service';

/** One job of the competing-consumer queue (prefetch 1): acknowledged only when the run is done or handed over. */
@Injectable()
export class SyncJobConsumer {
  constructor(private readonly runner: SyncRunnerService) {}

  @OnMessage('sync.job')
  public handle(message: MessageOf<'sync.job'>): Promise<void> {
    return this.runner.handle(message.payload);
  }
}
