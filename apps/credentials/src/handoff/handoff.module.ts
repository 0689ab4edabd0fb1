import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { TokenHandoffServerModule } from '@pp/token-handoff';

import { ConnectionsModule } from '../connections/connections.module';
import { EncryptionModule } from '../encryption/encryption.module';
import { StoredTokenResolver } from './stored-token.resolver';

@Module({
  imports: [ConnectionsModule, EncryptionModule],
  providers: [StoredTokenResolver],
  exports: [StoredTokenResolver],
})
export class StoredTokenModule {}

/** Answers the sync service's token requests over RabbitMQ (threat model: docs/credentials.md). */
@Module({
  imports: [
    TokenHandoffServerModule.forRootAsync({
      imports: [StoredTokenModule],
      inject: [ConfigService, StoredTokenResolver],
      useFactory: (config: ConfigService, resolver: StoredTokenResolver) => ({
        key: config.getOrThrow<string>('TOKEN_HANDOFF_KEY'),
        resolver,
      }),
    }),
  ],
})
export class HandoffModule {}
