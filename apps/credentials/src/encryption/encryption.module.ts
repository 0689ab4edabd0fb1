import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { EncryptionKey } from './encryption-keys';
import { TokenCipher } from './token-cipher';

@Module({
  providers: [
    {
      provide: TokenCipher,
      inject: [ConfigService],
      useFactory: (config: ConfigService) =>
        new TokenCipher(config.getOrThrow<EncryptionKey[]>('CREDENTIALS_ENCRYPTION_KEYS')),
    },
  ],
  exports: [TokenCipher],
})
export class EncryptionModule {}
