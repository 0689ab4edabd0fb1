import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import type { SandboxEnv } from '../config/sandbox.env';
import type { FaultSettings } from './agency';

export type DealsAndLeadsMode = 'per-token' | 'always' | 'never';

export interface SandboxSettingsValues {
  defaultRecords: number;
  clockStart: number;
  historyDays: number;
  maxCachedRecords: number;
  dealsAndLeads: DealsAndLeadsMode;
  /** Faults for every token without its own; admin `PUT /admin/faults` changes them at run time. */
  faults: FaultSettings;
}

/** The sandbox's settings: from the environment at boot, adjustable by tests (`startSandbox`) and admin calls. */
@Injectable()
export class SandboxSettings {
  public values: SandboxSettingsValues;

  constructor(@Inject(ConfigService) config: ConfigService<SandboxEnv, true>) {
    this.values = {
      defaultRecords: config.get('SANDBOX_DEFAULT_RECORDS', { infer: true }),
      clockStart: Date.parse(config.get('SANDBOX_CLOCK_START', { infer: true })),
      historyDays: config.get('SANDBOX_HISTORY_DAYS', { infer: true }),
      maxCachedRecords: config.get('SANDBOX_MAX_CACHED_RECORDS', { infer: true }),
      dealsAndLeads: config.get('SANDBOX_DEALS_AND_LEADS', { infer: true }),
      faults: {
        rateLimitPerMinute: config.get('SANDBOX_RATE_LIMIT_PER_MINUTE', { infer: true }) || null,
        errorRate: config.get('SANDBOX_ERROR_RATE', { infer: true }),
        errorStatuses: [500, 502, 503],
        latencyMs: config.get('SANDBOX_LATENCY_MS', { infer: true }),
        cutRate: config.get('SANDBOX_CUT_RATE', { infer: true }),
      },
    };
  }

  public apply(overrides: Partial<Omit<SandboxSettingsValues, 'faults'>> & { faults?: Partial<FaultSettings> }): void {
    const { faults, ...rest } = overrides;
    this.values = { ...this.values, ...rest, faults: { ...this.values.faults, ...faults } };
  }
}
