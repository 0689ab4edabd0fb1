import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';

import { newCorrelationId, runWithCorrelation } from '@pp/observability';

import {
  POSTBACK_DEBOUNCE_BATCH,
  POSTBACK_DEBOUNCE_TICK_MS,
  SYNC_REQUEST_RETENTION_DAYS,
} from '../credentials.constants';
import { SyncRequestsRepository } from '../sync-requests/sync-requests.repository';
import { PostbacksService } from './postbacks.service';

/** Publishes trailing postback syncs when their window ends, and forgets old requests and run outcomes. */
@Injectable()
export class PostbackDebounceJob {
  private readonly logger = new Logger(PostbackDebounceJob.name);
  private ticking = false;

  constructor(
    private readonly postbacks: PostbacksService,
    private readonly requests: SyncRequestsRepository,
  ) {}

  @Interval(POSTBACK_DEBOUNCE_TICK_MS)
  public async publishDue(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await runWithCorrelation({ correlationId: newCorrelationId() }, async () => {
        while ((await this.postbacks.publishDue(POSTBACK_DEBOUNCE_BATCH)) === POSTBACK_DEBOUNCE_BATCH);
      });
    } catch (error) {
      this.logger.warn(`Publishing due postback syncs failed: ${error instanceof Error ? error.message : 'error'}`);
    } finally {
      this.ticking = false;
    }
  }

  @Interval(60 * 60_000)
  public async purgeOldRequests(): Promise<void> {
    await this.requests
      .purgeBefore(new Date(Date.now() - SYNC_REQUEST_RETENTION_DAYS * 24 * 60 * 60_000))
      .catch((error: unknown) =>
        this.logger.warn(`Purging old sync requests failed: ${error instanceof Error ? error.message : 'error'}`),
      );
  }
}
