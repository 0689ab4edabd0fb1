import 'reflect-metadata';

import { bootstrapService } from '@pp/observability';

import { NormalizerModule } from './normalizer.module';

void bootstrapService(NormalizerModule);
