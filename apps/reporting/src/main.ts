import 'reflect-metadata';

import { bootstrapService } from '@pp/observability';

import { REPORTING_OPEN_API } from './reporting.openapi';
import { ReportingModule } from './reporting.module';

void bootstrapService(ReportingModule, { openApi: REPORTING_OPEN_API });
