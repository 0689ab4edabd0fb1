import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { AppConfigModule } from '@pp/config';
import { BrokerReadinessProbe, MessagingModule } from '@pp/messaging';
import { HealthModule, LoggingModule, MetricsModule } from '@pp/observability';
import { DatabaseReadinessProbe, PersistenceModule } from '@pp/persistence';

import { reportingEnvSchema } from './config/reporting.env';

@Module({
  imports: [
    AppConfigModule.forRoot(reportingEnvSchema),
    LoggingModule.forRoot('reporting'),
    MetricsModule,
    PersistenceModule.forRoot({ entities: [] }),
    MessagingModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({ url: config.getOrThrow<string>('AMQP_URL'), serviceName: 'reporting' }),
    }),
    HealthModule.forRoot([DatabaseReadinessProbe, BrokerReadinessProbe]),
  ],
})
export class ReportingModule {}
