import { Module } from '@nestjs/common';

import { CredentialsDatabase } from './credentials-database';

@Module({ providers: [CredentialsDatabase], exports: [CredentialsDatabase] })
export class DatabaseModule {}
