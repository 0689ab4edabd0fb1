import { Module } from '@nestjs/common';

import { EncryptionModule } from '../encryption/encryption.module';
import { PostbackSecretsService } from './postback-secrets.service';

@Module({
  imports: [EncryptionModule],
  providers: [PostbackSecretsService],
  exports: [PostbackSecretsService],
})
export class PostbackSecretsModule {}
