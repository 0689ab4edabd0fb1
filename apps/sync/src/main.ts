import 'reflect-metadata';

import { bootstrapService } from '@pp/observability';

import { SyncModule } from './sync.module';

void bootstrapService(SyncModule);
