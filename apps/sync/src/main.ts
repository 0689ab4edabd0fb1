import 'reflect-metadata';

import { startEventsTransport } from '@pp/messaging';
import { bootstrapService } from '@pp/observability';

import { resolveSyncRole } from './config/sync.env';
import { syncAppModule } from './sync.module';

void bootstrapService(syncAppModule(resolveSyncRole(process.env)), { transports: [startEventsTransport] });
