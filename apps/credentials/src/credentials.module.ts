import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { AppConfigModule } from '@pp/config';
import { BrokerReadinessProbe, MessagingModule } from '@pp/messaging';
import { HealthModule, LoggingModule, MetricsModule } from '@pp/observability';
import { DatabaseReadinessProbe, PersistenceModule } from '@pp/persistence';

import { credentialsEnvSchema } from './config/credentials.env';

@Module({
  imports: [
    AppConfigModule.forRoot(credentialsEnvSchema),
    LoggingModule.forRoot('credentials'),
    MetricsModule,
    PersistenceModule.forRoot({ entities: [] }),
    MessagingModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        url: config.getOrThrow<string>('AMQP_URL'),
        serviceName: 'credentials',
      }),
    }),
    HealthModule.forRoot([DatabaseReadinessProbe, BrokerReadinessProbe]),
  ],
})
export class CredentialsModule {}
