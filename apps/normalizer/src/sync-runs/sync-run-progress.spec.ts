import type { PayloadOf, StreamProgress } from '@pp/contracts';

import { mergeProgress } from './sync-run-progress';

const entry = (stream: StreamProgress['stream'], pages: number): StreamProgress => ({
  stream,
  status: 'running',
  tier: 'incremental',
  pages,
  fetched: pages * 250,
  emitted: pages * 200,
  removed: 0,
  estimatedPagesLeft: null,
});

const report = (reportedAt: string, streams: StreamProgress[]): PayloadOf<'sync.run.progress'> => ({
  connectionId: 'conn',
  syncRunId: 'run',
  mode: 'incremental',
  reportedAt,
  streams,
});

describe('mergeProgress', () => {
  const first = report('2026-12-02T10:00:00Z', [entry('rewards', 1), entry('customers', 1)]);
  const second = report('2026-12-02T10:00:05+00:00', [entry('rewards', 3)]);

  it('keeps the newest entry of each stream whatever the order', () => {
    const inOrder = mergeProgress(mergeProgress(null, first)!, second)!;
    const reversed = mergeProgress(mergeProgress(null, second)!, first)!;
    const byStream = (progress: typeof inOrder) =>
      Object.fromEntries(progress.streams.map((stream) => [stream.stream, stream.pages]));
    expect(byStream(inOrder)).toEqual({ rewards: 3, customers: 1 });
    expect(byStream(reversed)).toEqual({ rewards: 3, customers: 1 });
    expect(inOrder.reportedAt).toBe('2026-12-02T10:00:05.000Z');
    expect(reversed.reportedAt).toBe('2026-12-02T10:00:05.000Z');
  });

  it('changes nothing for a report seen before or older than every stream it names', () => {
    const stored = mergeProgress(null, second)!;
    expect(mergeProgress(stored, second)).toBeUndefined();
    expect(mergeProgress(stored, report('2026-12-02T09:59:00Z', [entry('rewards', 9)]))).toBeUndefined();
  });
});
