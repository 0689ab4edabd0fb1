import { Global, Module } from '@nestjs/common';

import { SyncDatabase } from './sync-database';

@Global()
@Module({ providers: [SyncDatabase], exports: [SyncDatabase] })
export class DatabaseModule {}
