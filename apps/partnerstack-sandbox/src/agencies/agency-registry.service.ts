import { Injectable, Logger } from '@nestjs/common';

import { seedFrom, Seed } from '../generation/prng';
import { Agency, AgencyConfig, FaultSettings } from './agency';
import { computeGroundTruth, GroundTruth } from './ground-truth';
import { SandboxSettings } from './sandbox-settings';

interface Entry {
  seed: Seed;
  config: AgencyConfig;
  agency?: Agency;
  usedAt: number;
}

export interface AgencyConfigChange {
  records?: number;
  dealsVisible?: boolean | null;
  leadsVisible?: boolean | null;
  postbackUrl?: string | null;
  faults?: Partial<{ [K in keyof FaultSettings]: FaultSettings[K] | null }>;
}

/**
 * Agencies by token fingerprint. The token itself is never stored: the seed is derived from it on first use.
 * Only configurations (size, days advanced, overrides) are kept for good; generated data is a cache that is
 * dropped for the least recently used agencies when it outgrows SANDBOX_MAX_CACHED_RECORDS, and regenerated
 * identically when needed again.
 */
@Injectable()
export class AgencyRegistry {
  private readonly logger = new Logger(AgencyRegistry.name);
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly settings: SandboxSettings) {}

  public agency(fingerprint: string, token: string): Agency {
    const entry = this.entry(fingerprint, token);
    entry.usedAt = Date.now();
    if (!entry.agency) {
      const started = Date.now();
      const { clockStart, historyDays } = this.settings.values;
      entry.agency = new Agency(fingerprint, entry.seed, entry.config, { clockStart, historyDays });
      this.logger.log(
        `Generated agency '${fingerprint}': ${entry.agency.data.recordCount()} records in ${Date.now() - started} ms`,
      );
      this.evict(fingerprint);
    }
    return entry.agency;
  }

  public configure(fingerprint: string, token: string, change: AgencyConfigChange): Agency {
    const entry = this.entry(fingerprint, token);
    const config = entry.config;
    if (change.records !== undefined && change.records !== config.records) {
      config.records = change.records;
      entry.agency = undefined;
    }
    if (change.dealsVisible !== undefined) config.dealsVisible = change.dealsVisible;
    if (change.leadsVisible !== undefined) config.leadsVisible = change.leadsVisible;
    if (change.postbackUrl !== undefined) config.postbackUrl = change.postbackUrl;
    for (const [name, value] of Object.entries(change.faults ?? {})) {
      const key = name as keyof FaultSettings;
      if (value === null) delete config.faults[key];
      else (config.faults as Record<string, unknown>)[key] = value;
    }
    return this.agency(fingerprint, token);
  }

  public advance(fingerprint: string, token: string, days: number): Agency {
    const agency = this.agency(fingerprint, token);
    agency.advance(days);
    return agency;
  }

  public faultsFor(fingerprint: string): FaultSettings {
    return { ...this.settings.values.faults, ...this.entries.get(fingerprint)?.config.faults };
  }

  public streamAvailable(agency: Agency, stream: 'deals' | 'leads'): boolean {
    const override = stream === 'deals' ? agency.config.dealsVisible : agency.config.leadsVisible;
    if (override !== null) return override;
    const mode = this.settings.values.dealsAndLeads;
    return mode === 'per-token' ? agency.data.dealsAndLeadsVisible : mode === 'always';
  }

  public groundTruth(agency: Agency): GroundTruth {
    return computeGroundTruth(agency, {
      deals: this.streamAvailable(agency, 'deals'),
      leads: this.streamAvailable(agency, 'leads'),
    });
  }

  public reset(): void {
    this.entries.clear();
  }

  private entry(fingerprint: string, token: string): Entry {
    let entry = this.entries.get(fingerprint);
    if (!entry) {
      entry = {
        seed: seedFrom(`partnerstack-sandbox:${token}`),
        config: {
          records: this.settings.values.defaultRecords,
          daysAdvanced: 0,
          dealsVisible: null,
          leadsVisible: null,
          faults: {},
          postbackUrl: null,
        },
        usedAt: Date.now(),
      };
      this.entries.set(fingerprint, entry);
    }
    return entry;
  }

  private evict(keep: string): void {
    const cached = [...this.entries.entries()].filter(([, entry]) => entry.agency);
    let total = cached.reduce((sum, [, entry]) => sum + entry.agency!.data.recordCount(), 0);
    for (const [fingerprint, entry] of cached.sort((a, b) => a[1].usedAt - b[1].usedAt)) {
      if (total <= this.settings.values.maxCachedRecords) return;
      if (fingerprint === keep) continue;
      total -= entry.agency!.data.recordCount();
      entry.agency = undefined;
    }
  }
}
