import { Injectable } from '@nestjs/common';

import type { MessageOf } from '@pp/contracts';
import { OnMessage } from '@pp/messaging';

import { SyncRunsService } from '../sync-runs/sync-runs.service';

@Injectable()
export class SyncRunsConsumer {
  constructor(private readonly syncRuns: SyncRunsService) {}

  @OnMessage('sync.run.started')
  public started(message: MessageOf<'sync.run.started'>): Promise<void> {
    return this.syncRuns.recordStarted(message.tenantId, message.payload);
  }

  @OnMessage('sync.run.finished')
  public finished(message: MessageOf<'sync.run.finished'>): Promise<void> {
    return this.syncRuns.recordFinished(message.tenantId, message.payload);
  }

  @OnMessage('sync.run.progress')
  public progress(message: MessageOf<'sync.run.progress'>): Promise<void> {
    return this.syncRuns.recordProgress(message.tenantId, message.payload);
  }

  @OnMessage('sync.run.merged')
  public merged(message: MessageOf<'sync.run.merged'>): Promise<void> {
    return this.syncRuns.recordMerged(message.tenantId, message.payload);
  }
}
