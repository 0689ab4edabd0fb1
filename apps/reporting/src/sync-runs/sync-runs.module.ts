import { Module } from '@nestjs/common';

import { SyncRunsController } from './sync-runs.controller';
import { SyncRunsRepository } from './sync-runs.repository';

@Module({ controllers: [SyncRunsController], providers: [SyncRunsRepository] })
export class SyncRunsModule {}
