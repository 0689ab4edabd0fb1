import { Module } from '@nestjs/common';

import { DatabaseModule } from '../database/database.module';
import { SyncRequestsRepository } from './sync-requests.repository';

@Module({ imports: [DatabaseModule], providers: [SyncRequestsRepository], exports: [SyncRequestsRepository] })
export class SyncRequestsModule {}
