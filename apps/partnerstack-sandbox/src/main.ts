import 'reflect-metadata';

import { bootstrapService } from '@pp/observability';

import { SandboxModule } from './sandbox.module';

void bootstrapService(SandboxModule, {
  openApi: {
    title: 'PartnerStack sandbox',
    description: "Stand-in for PartnerStack's Partner API under /api/v2, with test controls under /admin",
    bearerAuth: true,
  },
});
