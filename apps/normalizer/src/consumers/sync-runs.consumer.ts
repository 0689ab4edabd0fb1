import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';

import type { MessageOf } from '@pp/contracts';

import { SyncRunsService } from '../sync-runs/sync-runs.service';

@Controller()
export class SyncRunsConsumer {
  constructor(private readonly syncRuns: SyncRunsService) {}

  @EventPattern('sync.run.started')
  public started(message: MessageOf<'sync.run.started'>): Promise<void> {
    return this.syncRuns.recordStarted(message.tenantId, message.payload);
  }

  @EventPattern('sync.run.finished')
  public finished(message: MessageOf<'sync.run.finished'>): Promise<void> {
    return this.syncRuns.recordFinished(message.tenantId, message.payload);
  }

  @EventPattern('sync.run.progress')
  public progress(message: MessageOf<'sync.run.progress'>): Promise<void> {
    return this.syncRuns.recordProgress(message.tenantId, message.payload);
  }

  @EventPattern('sync.run.merged')
  public merged(message: MessageOf<'sync.run.merged'>): Promise<void> {
    return this.syncRuns.recordMerged(message.tenantId, message.payload);
  }
}
