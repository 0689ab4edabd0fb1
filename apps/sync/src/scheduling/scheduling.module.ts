import { Module } from '@nestjs/common';

import { ConnectionsRepository } from '../connections/connections.repository';
import { LeasesRepository } from '../database/leases.repository';
import { SyncRunsRepository } from '../runs/sync-runs.repository';
import { ConnectionConnectedConsumer } from './connection-connected.consumer';
import { ConnectionDisconnectedConsumer } from './connection-disconnected.consumer';
import { ConnectionRotatedConsumer } from './connection-rotated.consumer';
import { ConnectionStatusChangedConsumer } from './connection-status-changed.consumer';
import { ScheduledRunsRepository } from './scheduled-runs.repository';
import { SyncEnqueuerService } from './sync-enqueuer.service';
import { SyncRequestedConsumer } from './sync-requested.consumer';
import { SyncRunFinishedConsumer } from './sync-run-finished.consumer';
import { SyncSchedulerCron } from './sync-scheduler.cron';

/** The scheduler role: learns connections from credentials events and enqueues sync jobs. */
@Module({
  providers: [
    ConnectionsRepository,
    LeasesRepository,
    SyncRunsRepository,
    ScheduledRunsRepository,
    SyncEnqueuerService,
    SyncSchedulerCron,
  ],
  controllers: [
    ConnectionConnectedConsumer,
    ConnectionRotatedConsumer,
    ConnectionDisconnectedConsumer,
    ConnectionStatusChangedConsumer,
    SyncRequestedConsumer,
    SyncRunFinishedConsumer,
  ],
})
export class SchedulingModule {}
