import 'reflect-metadata';

import { bootstrapService } from '@pp/observability';

import { ReportingModule } from './reporting.module';

void bootstrapService(ReportingModule);
