import { Module } from '@nestjs/common';

import { AppConfigModule } from '@pp/config';
import { HealthModule, LoggingModule, MetricsModule } from '@pp/observability';

import { sandboxEnvSchema } from './config/sandbox.env';

@Module({
  imports: [
    AppConfigModule.forRoot(sandboxEnvSchema),
    LoggingModule.forRoot('partnerstack-sandbox'),
    MetricsModule,
    HealthModule.forRoot([]),
  ],
})
export class SandboxModule {}
