import { nextRefreshAt } from './aggregate-refresher.service';

describe('nextRefreshAt', () => {
  const intervalMs = 2_000;

  it('keeps refreshes at least the interval apart', () => {
    expect(nextRefreshAt({ lastStartedAt: 10_000, gapMs: intervalMs }, 10_500, intervalMs)).toBe(12_000);
  });

  it('waits out the gap of a slow refresh while batches keep arriving', () => {
    // A refresh that took 3 s earned a 30 s gap; a touch at 11 s would fire at 13 s if nothing else came...
    const state = { lastStartedAt: 10_000, gapMs: 30_000 };
    expect(nextRefreshAt(state, 11_000, intervalMs)).toBe(13_000);
    // ...but touches keep pushing it back, never past the end of the gap.
    expect(nextRefreshAt(state, 39_000, intervalMs)).toBe(40_000);
  });

  it('refreshes one interval after the last touch once the tenant is quiet, not at the end of the gap', () => {
    expect(nextRefreshAt({ lastStartedAt: 10_000, gapMs: 60_000 }, 20_000, intervalMs)).toBe(22_000);
  });

  it('refreshes at once a tenant whose gap is over', () => {
    expect(nextRefreshAt({ lastStartedAt: 0, gapMs: intervalMs }, 1_000_000, intervalMs)).toBeLessThanOrEqual(
      1_000_000,
    );
    expect(nextRefreshAt({ lastStartedAt: 10_000, gapMs: intervalMs }, 12_500, intervalMs)).toBeLessThanOrEqual(12_500);
  });
});
