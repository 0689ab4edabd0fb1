import 'reflect-metadata';

import { startEventsTransport } from '@pp/messaging';
import { bootstrapService } from '@pp/observability';

import { NormalizerModule } from './normalizer.module';

void bootstrapService(NormalizerModule, { transports: [startEventsTransport] });
