import 'reflect-metadata';

import { bootstrapService } from '@pp/observability';

import { CredentialsModule } from './credentials.module';
import { CREDENTIALS_OPENAPI } from './credentials.constants';

void bootstrapService(CredentialsModule, { openApi: CREDENTIALS_OPENAPI });
