import { DynamicModule, Module, Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';

import { AppConfigModule } from '@pp/config';
import { BrokerReadinessProbe, ConsumerQueueOptions, MessagingModule } from '@pp/messaging';
import { HealthModule, LoggingModule, MetricsModule } from '@pp/observability';
import { DatabaseReadinessProbe, PersistenceModule } from '@pp/persistence';

import { SyncEnv, syncDevelopmentSecrets, syncEnvSchema, SyncRole } from './config/sync.env';
import { DatabaseModule } from './database/database.module';
import { SYNC_ENTITIES } from './database/sync-entities';
import { SchedulingModule } from './scheduling/scheduling.module';
import { JOBS_QUEUE, SCHEDULER_QUEUE } from './sync.constants';
import { WorkerModule } from './worker/worker.module';

/**
 * One job at a time per worker; the job stays unacknowledged until its run is done, so a killed worker's job goes
 * back to the queue and the next worker resumes it from the checkpoint. The scheduler declares the same queue
 * before it publishes, so a job enqueued before any worker ever started is kept.
 */
const JOBS_QUEUE_OPTIONS: ConsumerQueueOptions = {
  queue: JOBS_QUEUE,
  bindings: ['sync.job'],
  prefetch: 1,
  retry: { delaysMs: [5_000, 30_000, 120_000] },
};

function queuesFor(role: SyncRole): ConsumerQueueOptions[] {
  const queues: ConsumerQueueOptions[] = [];
  if (role !== 'worker') {
    queues.push({
      queue: SCHEDULER_QUEUE,
      bindings: [
        'credentials.connection.connected',
        'credentials.connection.rotated',
        'credentials.connection.disconnected',
        'credentials.connection.status-changed',
        'sync.requested',
        'sync.run.finished',
      ],
      prefetch: 10,
    });
  }
  if (role !== 'scheduler') queues.push(JOBS_QUEUE_OPTIONS);
  return queues;
}

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
            queues: queuesFor(role),
            publishesTo: role !== 'worker' ? [JOBS_QUEUE_OPTIONS] : [],
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
