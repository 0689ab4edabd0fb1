import type { PayloadOf } from '@pp/contracts';
import type { SyncRunProgress } from '@pp/domain';

/**
 * Folds a progress report into the stored progress, stream by stream: an entry replaces the stored one of its stream
 * only when it was reported later, so reports applied in any order (or twice) leave the newest entry of each stream,
 * and a report that names only some streams keeps the others. Undefined when the report changes nothing.
 */
export function mergeProgress(
  stored: SyncRunProgress | null,
  report: PayloadOf<'sync.run.progress'>,
): SyncRunProgress | undefined {
  const reportedAt = new Date(report.reportedAt).toISOString();
  const streams = [...(stored?.streams ?? [])];
  let changed = false;
  for (const entry of report.streams) {
    const index = streams.findIndex((existing) => existing.stream === entry.stream);
    if (index === -1) streams.push({ ...entry, reportedAt });
    else if (streams[index].reportedAt < reportedAt) streams[index] = { ...entry, reportedAt };
    else continue;
    changed = true;
  }
  if (!changed) return undefined;
  const newest = stored && stored.reportedAt > reportedAt ? stored.reportedAt : reportedAt;
  return { reportedAt: newest, streams };
}
