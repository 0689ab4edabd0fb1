import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';

import { ExportLimitsInterceptor } from './export-limits.interceptor';
import { RequestRateLimitInterceptor } from './request-rate-limit.interceptor';

/**
 * Per-org request rate and CSV export limits, on every route without controller changes. The counters live in
 * this process: with N replicas an org may get up to N times each limit (see docs/reporting.md).
 */
@Module({
  providers: [
    { provide: APP_INTERCEPTOR, useClass: RequestRateLimitInterceptor },
    { provide: APP_INTERCEPTOR, useClass: ExportLimitsInterceptor },
  ],
})
export class LimitsModule {}
