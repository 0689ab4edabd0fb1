import { Module } from '@nestjs/common';

import { AppConfigModule } from '@pp/config';
import { HealthModule, LoggingModule, MetricsModule } from '@pp/observability';

import { AdminController } from './admin/admin.controller';
import { AgencyRegistry } from './agencies/agency-registry.service';
import { SandboxSettings } from './agencies/sandbox-settings';
import { PartnerApiController } from './api/partner-api.controller';
import { TrafficService } from './api/traffic.service';
import { sandboxEnvSchema } from './config/sandbox.env';
import { PostbacksModule } from './postbacks/postbacks.module';

@Module({
  imports: [
    AppConfigModule.forRoot(sandboxEnvSchema),
    LoggingModule.forRoot('partnerstack-sandbox'),
    MetricsModule,
    HealthModule.forRoot([]),
    PostbacksModule,
  ],
  controllers: [PartnerApiController, AdminController],
  providers: [SandboxSettings, AgencyRegistry, TrafficService],
})
export class SandboxModule {}
