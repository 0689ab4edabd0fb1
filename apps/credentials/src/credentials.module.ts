import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';

import { AuthModule } from '@pp/auth';
import { queuesOf } from '@pp/contracts';
import { AppConfigModule } from '@pp/config';
import { BrokerReadinessProbe, MessagingModule } from '@pp/messaging';
import { HealthModule, LoggingModule, MetricsModule } from '@pp/observability';
import { DatabaseReadinessProbe, PersistenceModule } from '@pp/persistence';

import { credentialsEnvOptions, credentialsEnvSchema } from './config/credentials.env';
import { ConnectionsModule } from './connections/connections.module';
import { redactPostbackSecret } from './credentials.constants';
import { CREDENTIALS_ENTITIES } from './database/credentials-entities';
import { HandoffModule } from './handoff/handoff.module';
import { PostbacksModule } from './postbacks/postbacks.module';

/** Shared with the test harness, which rebuilds the logger around a captured destination. */
export const CREDENTIALS_LOGGING = { redactUrl: redactPostbackSecret };

@Module({
  imports: [
    AppConfigModule.forRoot(credentialsEnvSchema, credentialsEnvOptions),
    LoggingModule.forRoot('credentials', CREDENTIALS_LOGGING),
    MetricsModule,
    PersistenceModule.forRoot({ entities: CREDENTIALS_ENTITIES }),
    MessagingModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        url: config.getOrThrow<string>('AMQP_URL'),
        serviceName: 'credentials',
        queues: queuesOf('credentials'),
      }),
    }),
    ScheduleModule.forRoot(),
    AuthModule,
    ConnectionsModule,
    PostbacksModule,
    HandoffModule,
    HealthModule.forRoot([DatabaseReadinessProbe, BrokerReadinessProbe]),
  ],
})
export class CredentialsModule {}
