import 'reflect-metadata';

import { bootstrapService } from '@pp/observability';

import { SandboxModule } from './sandbox.module';

void bootstrapService(SandboxModule);
