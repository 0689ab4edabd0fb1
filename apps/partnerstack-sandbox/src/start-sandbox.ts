import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { configureApp } from '@pp/observability';

import { SandboxSettings } from './agencies/sandbox-settings';
import { SandboxModule } from './sandbox.module';

// The in-process start for tests and benchmarks lives in the sandbox app itself, not in @pp/testing: a lib must
// not import an app (README layering, enforced by eslint.config.mjs), and test/** and bench/** may import apps.

export interface StartSandboxOptions {
  /** Records per agency unless an admin call sets another size (default: SANDBOX_DEFAULT_RECORDS, 2000). */
  defaultRecords?: number;
  /** `per-token` (default), `always` or `never`: whether agencies see /deals and /leads. */
  dealsAndLeads?: 'per-token' | 'always' | 'never';
  /** Global faults applied to every agency without its own. */
  faults?: {
    rateLimitPerMinute?: number | null;
    errorRate?: number;
    errorStatuses?: number[];
    latencyMs?: number;
    cutRate?: number;
  };
  /** The agencies' clock before any advance, ISO 8601 (default SANDBOX_CLOCK_START, 2026-06-01). */
  clockStart?: string;
}

export interface RunningSandbox {
  /** Base URL of the Partner API, ending in `/api/v2`: what PARTNERSTACK_API_URL should be. */
  baseUrl: string;
  /** Base URL of the admin API, ending in `/admin`. */
  adminUrl: string;
  close(): Promise<void>;
}

/**
 * Boots the PartnerStack sandbox app in this process on a free port (see docs/sandbox-and-client.md for the
 * admin API). Close it in `afterAll`.
 */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const app: INestApplication = await NestFactory.create(SandboxModule, { bufferLogs: true, abortOnError: false });
  configureApp(app);
  app.get(SandboxSettings).apply({
    ...(options.defaultRecords !== undefined ? { defaultRecords: options.defaultRecords } : {}),
    ...(options.dealsAndLeads !== undefined ? { dealsAndLeads: options.dealsAndLeads } : {}),
    ...(options.clockStart !== undefined ? { clockStart: Date.parse(options.clockStart) } : {}),
    faults: options.faults,
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const origin = `http://127.0.0.1:${address.port}`;
  return {
    baseUrl: `${origin}/api/v2`,
    adminUrl: `${origin}/admin`,
    close: () => app.close(),
  };
}
