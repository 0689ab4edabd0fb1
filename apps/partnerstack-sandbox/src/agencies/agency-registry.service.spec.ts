import { AgencyRegistry } from './agency-registry.service';
import type { SandboxSettings } from './sandbox-settings';

function registry(maxCachedRecords: number, dealsAndLeads: 'per-token' | 'always' | 'never' = 'per-token') {
  const settings = {
    values: {
      defaultRecords: 600,
      clockStart: Date.UTC(2026, 5, 1),
      historyDays: 365,
      maxCachedRecords,
      dealsAndLeads,
      faults: { rateLimitPerMinute: null, errorRate: 0, errorStatuses: [500], latencyMs: 0, cutRate: 0 },
    },
  } as SandboxSettings;
  return new AgencyRegistry(settings);
}

describe(AgencyRegistry.name, () => {
  it('drops the least recently used agency beyond the cache budget and regenerates it identically', () => {
    const sut = registry(1000);
    const first = sut.agency('fp-a', 'sandbox_a');
    sut.advance('fp-a', 'sandbox_a', 12);
    const before = sut.groundTruth(first);
    sut.agency('fp-b', 'sandbox_b');
    const again = sut.agency('fp-a', 'sandbox_a');
    expect(again).not.toBe(first);
    expect(sut.groundTruth(again)).toEqual(before);
  });

  it('keeps per-token faults over global ones until cleared with null', () => {
    const sut = registry(10_000);
    sut.configure('fp', 'sandbox_x', { faults: { errorRate: 0.5, rateLimitPerMinute: 30 } });
    expect(sut.faultsFor('fp')).toMatchObject({ errorRate: 0.5, rateLimitPerMinute: 30, latencyMs: 0 });
    sut.configure('fp', 'sandbox_x', { faults: { errorRate: null } });
    expect(sut.faultsFor('fp')).toMatchObject({ errorRate: 0, rateLimitPerMinute: 30 });
  });

  it('decides deals and leads visibility by mode unless the agency overrides it', () => {
    const never = registry(10_000, 'never');
    const agency = never.agency('fp', 'sandbox_x');
    expect(never.streamAvailable(agency, 'deals')).toBe(false);
    never.configure('fp', 'sandbox_x', { dealsVisible: true });
    expect(never.streamAvailable(agency, 'deals')).toBe(true);
    expect(never.streamAvailable(agency, 'leads')).toBe(false);
  });
});
