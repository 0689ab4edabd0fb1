import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';

import { AppConfigModule } from '@pp/config';
import { queuesOf } from '@pp/contracts';
import { DOMAIN_ENTITIES } from '@pp/domain';
import { BrokerReadinessProbe, MessagingModule } from '@pp/messaging';
import { HealthModule, LoggingModule, MetricsModule } from '@pp/observability';
import { DatabaseReadinessProbe, PersistenceModule } from '@pp/persistence';

import { AggregateRefresher } from './aggregates/aggregate-refresher.service';
import { TableStatistics } from './statistics/table-statistics.service';
import { normalizerEnvSchema } from './config/normalizer.env';
import { RawRecordsConsumer } from './consumers/raw-records.consumer';
import { SyncRunsConsumer } from './consumers/sync-runs.consumer';
import { InsightsModule } from './insights/insights.module';
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
        queues: queuesOf('normalizer'),
      }),
    }),
    HealthModule.forRoot([DatabaseReadinessProbe, BrokerReadinessProbe]),
    ScheduleModule.forRoot(),
    InsightsModule,
  ],
  providers: [AggregateRefresher, TableStatistics, NormalizerService, SyncRunsService],
  controllers: [RawRecordsConsumer, SyncRunsConsumer],
})
export class NormalizerModule {}
