import 'reflect-metadata';

import { bootstrapService } from '@pp/observability';

import { CredentialsModule } from './credentials.module';
import { CREDENTIALS_SERVICE_OPTIONS } from './credentials.constants';

void bootstrapService(CredentialsModule, CREDENTIALS_SERVICE_OPTIONS);
