import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { TokenHandoffModule } from '@pp/token-handoff';

import { ConnectionsRepository } from '../connections/connections.repository';
import { SyncEnv } from '../config/sync.env';
import { LeasesRepository } from '../database/leases.repository';
import { SyncRunsRepository } from '../runs/sync-runs.repository';
import { OrgLeaseKeeper } from './org-lease-keeper';
import { RecordStateRepository } from './record-state.repository';
import { RunReporter } from './run-reporter';
import { StreamStateRepository } from './stream-state.repository';
import { StreamSyncService } from './stream-sync.service';
import { SyncJobConsumer } from './sync-job.consumer';
import { SyncRunnerService } from './sync-runner.service';

/** The worker role: consumes sync jobs and runs them. */
@Module({
  imports: [
    TokenHandoffModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<SyncEnv, true>) => ({ key: config.get('TOKEN_HANDOFF_KEY', { infer: true }) }),
    }),
  ],
  providers: [
    ConnectionsRepository,
    LeasesRepository,
    SyncRunsRepository,
    RecordStateRepository,
    StreamStateRepository,
    StreamSyncService,
    OrgLeaseKeeper,
    RunReporter,
    SyncRunnerService,
  ],
  controllers: [SyncJobConsumer],
})
export class WorkerModule {}
