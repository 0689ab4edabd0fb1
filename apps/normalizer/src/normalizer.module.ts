import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';

import { AppConfigModule } from '@pp/config';
import { DOMAIN_ENTITIES } from '@pp/domain';
import { BrokerReadinessProbe, MessagingModule } from '@pp/messaging';
import { HealthModule, LoggingModule, MetricsModule } from '@pp/observability';
import { DatabaseReadinessProbe, PersistenceModule } from '@pp/persistence';

import { AggregateRefresher } from './aggregates/aggregate-refresher.service';
import { TableStatistics } from './statistics/table-statistics.service';
import { normalizerEnvSchema } from './config/normalizer.env';
import { RAW_RECORD_KEYS, RawRecordsConsumer } from './consumers/raw-records.consumer';
import { SyncRunsConsumer } from './consumers/sync-runs.consumer';
import {
  RAW_RECORDS_PREFETCH,
  RAW_RECORDS_QUEUE,
  RAW_RECORDS_RETRY_DELAYS_MS,
  SYNC_RUNS_QUEUE,
} from './normalizer.constants';
import { NormalizerService } from './normalizing/normalizer.service';
import { SyncRunsService } from './sync-runs/sync-runs.service';

@Module({
  imports: [
    AppConfigModule.forRoot(normalizerEnvSchema),
    LoggingModule.forRoot('normalizer'),
    MetricsModule,
    PersistenceModule.forRoot({ entities: DOMAIN_ENTITIES, poolMax: 4 }),
    MessagingModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        url: config.getOrThrow<string>('AMQP_URL'),
        serviceName: 'normalizer',
        queues: [
          {
            queue: RAW_RECORDS_QUEUE,
            bindings: RAW_RECORD_KEYS,
            prefetch: RAW_RECORDS_PREFETCH,
            retry: { delaysMs: RAW_RECORDS_RETRY_DELAYS_MS },
          },
          {
            queue: SYNC_RUNS_QUEUE,
            bindings: ['sync.run.started', 'sync.run.progress', 'sync.run.finished', 'sync.run.merged'],
            prefetch: 10,
          },
        ],
      }),
    }),
    HealthModule.forRoot([DatabaseReadinessProbe, BrokerReadinessProbe]),
    ScheduleModule.forRoot(),
  ],
  providers: [
    AggregateRefresher,
    TableStatistics,
    NormalizerService,
    SyncRunsService,
    RawRecordsConsumer,
    SyncRunsConsumer,
  ],
})
export class NormalizerModule {}
