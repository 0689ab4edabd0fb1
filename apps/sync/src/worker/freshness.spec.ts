import { streamFreshness } from './freshness';

describe(streamFreshness.name, () => {
  const pass = new Date('2026-12-02T10:15:00Z');
  const warm = new Date('2026-12-02T10:00:00Z');
  const full = new Date('2026-12-02T04:10:00Z');
  const windows = { warmWindowDays: 90, overlapDays: 1 };

  it('gives warm streams their warm window and cadence, rewards every change of any age, payouts the overlap', () => {
    const freshness = streamFreshness(
      [
        { stream: 'transactions', lastPassAt: pass, lastWarmAt: warm, lastFullAt: full },
        { stream: 'rewards', lastPassAt: pass, lastWarmAt: full, lastFullAt: full },
        { stream: 'payouts', lastPassAt: pass, lastWarmAt: full, lastFullAt: full },
      ],
      windows,
    );
    expect(freshness).toEqual([
      {
        stream: 'transactions',
        newRecordsAsOf: pass.toISOString(),
        warmAsOf: warm.toISOString(),
        warmWindowDays: 90,
        reconciledAt: full.toISOString(),
      },
      {
        stream: 'rewards',
        newRecordsAsOf: pass.toISOString(),
        warmAsOf: pass.toISOString(),
        warmWindowDays: null,
        reconciledAt: full.toISOString(),
      },
      {
        stream: 'payouts',
        newRecordsAsOf: pass.toISOString(),
        warmAsOf: pass.toISOString(),
        warmWindowDays: 1,
        reconciledAt: full.toISOString(),
      },
    ]);
  });

  it('reports a tier that never ran as null', () => {
    expect(
      streamFreshness([{ stream: 'customers', lastPassAt: null, lastWarmAt: null, lastFullAt: null }], windows),
    ).toEqual([{ stream: 'customers', newRecordsAsOf: null, warmAsOf: null, warmWindowDays: 90, reconciledAt: null }]);
  });
});
