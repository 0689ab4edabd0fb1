import { Module } from '@nestjs/common';

import { InsightOutboxService } from './insight-outbox.service';

/** The insight events for the main app (docs/events.md): derived by the write paths, published from the outbox. */
@Module({ providers: [InsightOutboxService], exports: [InsightOutboxService] })
export class InsightsModule {}
