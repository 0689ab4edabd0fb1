import 'reflect-metadata';

import { bootstrapService } from '@pp/observability';

import { CredentialsModule } from './credentials.module';

void bootstrapService(CredentialsModule);
