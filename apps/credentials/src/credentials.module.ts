import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { AuthModule } from '@pp/auth';
import { AppConfigModule } from '@pp/config';
import { BrokerReadinessProbe, MessagingModule } from '@pp/messaging';
import { HealthModule, LoggingModule, MetricsModule } from '@pp/observability';
import { DatabaseReadinessProbe, PersistenceModule } from '@pp/persistence';

import { credentialsEnvOptions, credentialsEnvSchema } from './config/credentials.env';
import { ConnectionsModule } from './connections/connections.module';
import { SYNC_EVENTS_QUEUE } from './credentials.constants';
import { HandoffModule } from './handoff/handoff.module';

@Module({
  imports: [
    AppConfigModule.forRoot(credentialsEnvSchema, credentialsEnvOptions),
    LoggingModule.forRoot('credentials'),
    MetricsModule,
    PersistenceModule.forRoot({ entities: [] }),
    MessagingModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        url: config.getOrThrow<string>('AMQP_URL'),
        serviceName: 'credentials',
        queues: [
          {
            queue: SYNC_EVENTS_QUEUE,
            bindings: ['sync.run.started', 'sync.run.finished', 'sync.connection.invalid'],
            prefetch: 10,
          },
        ],
      }),
    }),
    AuthModule,
    ConnectionsModule,
    HandoffModule,
    HealthModule.forRoot([DatabaseReadinessProbe, BrokerReadinessProbe]),
  ],
})
export class CredentialsModule {}
