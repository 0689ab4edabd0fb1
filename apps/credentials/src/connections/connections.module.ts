import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { PartnerStackClientModule } from '@pp/partnerstack-client';

import { AuditRepository } from '../audit/audit.repository';
import {
  SyncConnectionInvalidConsumer,
  SyncRunFinishedConsumer,
  SyncRunMergedConsumer,
  SyncRunProgressConsumer,
  SyncRunStartedConsumer,
} from '../consumers/sync-events.consumer';
import { DatabaseModule } from '../database/database.module';
import { EncryptionModule } from '../encryption/encryption.module';
import { PostbackSecretsModule } from '../postbacks/postback-secrets.module';
import { RateLimitRepository } from '../rate-limit/rate-limit.repository';
import { SyncRequestsModule } from '../sync-requests/sync-requests.module';
import { ConnectionsController } from './connections.controller';
import { ConnectionsRepository } from './connections.repository';
import { ConnectionsService } from './connections.service';

@Module({
  imports: [
    DatabaseModule,
    EncryptionModule,
    PostbackSecretsModule,
    SyncRequestsModule,
    PartnerStackClientModule.registerAsync({
      inject: [ConfigService],
      // One cheap call per PUT, answered while the user waits: few attempts, short timeouts.
      useFactory: (config: ConfigService) => ({
        baseUrl: config.getOrThrow<string>('PARTNERSTACK_API_URL'),
        maxAttempts: 2,
        timeoutMs: 5_000,
        backoffBaseMs: 250,
        backoffCapMs: 1_000,
      }),
    }),
  ],
  controllers: [
    ConnectionsController,
    SyncRunStartedConsumer,
    SyncRunFinishedConsumer,
    SyncRunMergedConsumer,
    SyncRunProgressConsumer,
    SyncConnectionInvalidConsumer,
  ],
  providers: [ConnectionsService, ConnectionsRepository, AuditRepository, RateLimitRepository],
  exports: [ConnectionsRepository, AuditRepository, RateLimitRepository],
})
export class ConnectionsModule {}
