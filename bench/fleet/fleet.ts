import { PARTNERSTACK_STREAMS } from '@pp/contracts';

import { FINAL_REWARD_STATUSES } from '../../apps/sync/src/sync.constants';
import { GroundTruth } from '../../test/e2e/support/pipeline';

/** The fleet at full size: one agency of 200,000 records, ten of 20,000, the rest of about 1,000. */
export const FULL_FLEET = { agencies: 200, large: 200_000, mediumCount: 10, medium: 20_000, small: 1_000 } as const;

export type SizeClass = 'large' | 'medium' | 'small';

export interface FleetAgency {
  index: number;
  sizeClass: SizeClass;
  records: number;
  token: string;
  tenantId: string;
}

const PAGE = 250;
export const pages = (records: number): number => Math.max(1, Math.ceil(records / PAGE));

/**
 * The fleet at `scale`: the large and medium agencies' sizes and the number of medium and small agencies are
 * multiplied by it (at least one medium and four small agencies, no agency below the small size), so the shape
 * (one agency dominating the records, most agencies small) holds at any scale and a small agency stays ~1,000.
 * Small agencies vary by ±20 % so that they do not all finish in lockstep. The large agency comes first: it
 * connects first, so its first sync is the one the small agencies must not queue behind.
 */
export function fleetAt(scale: number): FleetAgency[] {
  const mediumCount = Math.max(1, Math.round(FULL_FLEET.mediumCount * scale));
  const smallCount = Math.max(4, Math.round((FULL_FLEET.agencies - 1 - FULL_FLEET.mediumCount) * scale));
  const large = Math.max(FULL_FLEET.small, Math.round(FULL_FLEET.large * scale));
  const medium = Math.max(FULL_FLEET.small, Math.round(FULL_FLEET.medium * scale));
  const sizes: Array<[SizeClass, number]> = [
    ['large', large],
    ...Array.from({ length: mediumCount }, (): [SizeClass, number] => ['medium', medium]),
    ...Array.from({ length: smallCount }, (_, i): [SizeClass, number] => [
      'small',
      Math.round(FULL_FLEET.small * (0.8 + (0.4 * ((i * 37) % 100)) / 100)),
    ]),
  ];
  // A fixed interleaving (not random) so that two runs connect the same agencies in the same order.
  const [first, ...rest] = sizes;
  const order = [
    first,
    ...rest
      .map((entry, i) => ({ entry, key: (i * 7919) % rest.length }))
      .sort((a, b) => a.key - b.key)
      .map((item) => item.entry),
  ];
  return order.map(([sizeClass, records], index) => ({
    index,
    sizeClass,
    records,
    token: `sandbox_fleet_${sizeClass}_${index}_${records}`,
    tenantId: `org-fleet-${String(index).padStart(3, '0')}`,
  }));
}

/** Records a full walk of each stream returns (partnerships with archived ones, as the sync reads them). */
export function streamCounts(truth: GroundTruth): number[] {
  return PARTNERSTACK_STREAMS.map((stream) => {
    const entry = truth.streams[stream] as { count: number; includingArchived?: number; available?: boolean };
    return entry.includingArchived ?? (entry.available === false ? 0 : entry.count);
  });
}

/** The fewest calls a first sync can make: every stream's pages of 250. */
export const minimumFirstSyncCalls = (truth: GroundTruth): number =>
  streamCounts(truth).reduce((sum, count) => sum + pages(count), 0);

/** An incremental sync with no change: one call per stream, plus the sweep's pages of every open reward status. */
export function noChangeSyncCalls(truth: GroundTruth): { streams: number; sweep: number } {
  const sweep = Object.entries(truth.rewardsByStatus)
    .filter(([status]) => !FINAL_REWARD_STATUSES.includes(status))
    .reduce((sum, [, entry]) => sum + pages(entry.count), 0);
  return { streams: PARTNERSTACK_STREAMS.length, sweep };
}
