import { Module } from '@nestjs/common';

import { DatabaseModule } from '../database/database.module';
import { EncryptionModule } from '../encryption/encryption.module';
import { PostbackSecretsService } from './postback-secrets.service';

@Module({
  imports: [DatabaseModule, EncryptionModule],
  providers: [PostbackSecretsService],
  exports: [PostbackSecretsService],
})
export class PostbackSecretsModule {}
