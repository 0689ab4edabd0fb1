import { PartnerStackStream, StreamFreshness } from '@pp/contracts';

import { WARM_STREAMS, WHOLE_STREAMS } from '../sync.constants';
import { StreamTierTimes } from './stream-state.repository';

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/**
 * How far each tier of each stream is current (docs/sync.md, "Freshness"). Rewards and whole streams take every
 * change of any age on every pass, so their changes are as fresh as their new records (`warmWindowDays` null: no
 * age limit). Warm streams take changes inside the warm window on the warm cadence. Payouts and marketplace
 * programs settle within the overlap, which every pass re-reads.
 */
export function streamFreshness(
  times: readonly StreamTierTimes[],
  windows: { warmWindowDays: number; overlapDays: number },
): StreamFreshness[] {
  return times.map((time) => {
    const stream: PartnerStackStream = time.stream;
    const everyChange = stream === 'rewards' || WHOLE_STREAMS.has(stream);
    const warm = WARM_STREAMS.has(stream);
    return {
      stream,
      newRecordsAsOf: iso(time.lastPassAt),
      warmAsOf: iso(warm ? time.lastWarmAt : time.lastPassAt),
      warmWindowDays: everyChange ? null : warm ? windows.warmWindowDays : windows.overlapDays,
      reconciledAt: iso(time.lastFullAt),
    };
  });
}
