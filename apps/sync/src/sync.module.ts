import { DynamicModule, Module, Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';

import { AppConfigModule } from '@pp/config';
import { ConsumingService, QUEUES, queuesOf } from '@pp/contracts';
import { BrokerReadinessProbe, MessagingModule } from '@pp/messaging';
import { HealthModule, LoggingModule, MetricsModule } from '@pp/observability';
import { DatabaseReadinessProbe, PersistenceModule } from '@pp/persistence';

import { SyncEnv, syncDevelopmentSecrets, syncEnvSchema, SyncRole } from './config/sync.env';
import { DatabaseModule } from './database/database.module';
import { SYNC_ENTITIES } from './database/sync-entities';
import { SchedulingModule } from './scheduling/scheduling.module';
import { WorkerModule } from './worker/worker.module';

const CONSUMERS_OF_ROLE: Record<SyncRole, ConsumingService[]> = {
  scheduler: ['sync-scheduler'],
  worker: ['sync-worker'],
  all: ['sync-scheduler', 'sync-worker'],
};

/** The sync app for one role: `scheduler` enqueues, `worker` syncs, `all` (development) does both. */
@Module({})
export class SyncModule {
  static forRole(role: SyncRole): DynamicModule {
    return {
      module: SyncModule,
      imports: [
        AppConfigModule.forRoot(syncEnvSchema, { developmentSecrets: syncDevelopmentSecrets }),
        LoggingModule.forRoot('sync'),
        MetricsModule,
        PersistenceModule.forRoot({ entities: SYNC_ENTITIES, poolMax: 5 }),
        DatabaseModule,
        MessagingModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<SyncEnv, true>) => ({
            url: config.get('AMQP_URL', { infer: true }),
            serviceName: `sync-${role}`,
            queues: queuesOf(...CONSUMERS_OF_ROLE[role]),
            // The scheduler declares the jobs queue before it publishes, so a job enqueued before any worker ever started
            // is kept.
            publishesTo: role !== 'worker' ? [QUEUES.syncJobs] : [],
          }),
        }),
        HealthModule.forRoot([DatabaseReadinessProbe, BrokerReadinessProbe]),
        ScheduleModule.forRoot(),
        ...(role !== 'worker' ? [SchedulingModule] : []),
        ...(role !== 'scheduler' ? [WorkerModule] : []),
      ],
    };
  }
}

/** A root module class for `bootstrapService`, which takes a class. */
export function syncAppModule(role: SyncRole): Type<unknown> {
  @Module({ imports: [SyncModule.forRole(role)] })
  class SyncAppModule {}
  return SyncAppModule;
}
