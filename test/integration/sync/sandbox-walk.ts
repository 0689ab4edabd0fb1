import { PARTNERSTACK_STREAMS, PartnerStackStream } from '@pp/contracts';
import {
  PartnerStackClient,
  PartnerStackForbiddenError,
  PartnerStackNotFoundError,
  PartnerStackRecord,
} from '@pp/partnerstack-client';

import { recordHash } from '../../../apps/sync/src/worker/record-hash';
import { STREAM_BASE_PARAMS } from '../../../apps/sync/src/sync.constants';

/** Per stream, every key PartnerStack returns with its content hash; null when the stream is not available. */
export type Snapshot = Record<PartnerStackStream, Map<string, string> | null>;

/** Every record of a stream, read independently of the sync; null when the stream is not served to this token. */
export async function walkRecords(
  baseUrl: string,
  token: string,
  stream: PartnerStackStream,
): Promise<PartnerStackRecord[] | null> {
  const client = PartnerStackClient.create({ baseUrl, requestsPerMinute: 1_000_000 });
  const records: PartnerStackRecord[] = [];
  try {
    for await (const page of client.walk(token, stream, { ...(STREAM_BASE_PARAMS[stream] ?? {}) }))
      records.push(...page.items);
  } catch (error) {
    if (error instanceof PartnerStackForbiddenError || error instanceof PartnerStackNotFoundError) return null;
    throw error;
  }
  return records;
}

/** An independent full read of the sandbox, for comparing what the sync emitted with what is there. */
export async function snapshot(baseUrl: string, token: string): Promise<Snapshot> {
  const result = {} as Snapshot;
  for (const stream of PARTNERSTACK_STREAMS) {
    const records = await walkRecords(baseUrl, token, stream);
    result[stream] = records && new Map(records.map((record) => [record.key, recordHash(record)]));
  }
  return result;
}

export interface SnapshotDiff {
  changedOrNew: Set<string>;
  created: Set<string>;
  removed: Set<string>;
}

/** `stream:key` ids of records that differ between two snapshots. */
export function diff(before: Snapshot, after: Snapshot): SnapshotDiff {
  const result: SnapshotDiff = { changedOrNew: new Set(), created: new Set(), removed: new Set() };
  for (const stream of PARTNERSTACK_STREAMS) {
    const old = before[stream] ?? new Map<string, string>();
    const now = after[stream] ?? new Map<string, string>();
    for (const [key, hash] of now) {
      if (old.get(key) !== hash) result.changedOrNew.add(`${stream}:${key}`);
      if (!old.has(key)) result.created.add(`${stream}:${key}`);
    }
    for (const key of old.keys()) if (!now.has(key)) result.removed.add(`${stream}:${key}`);
  }
  return result;
}

export function idsOf(snapshotValue: Snapshot): Set<string> {
  const ids = new Set<string>();
  for (const stream of PARTNERSTACK_STREAMS)
    for (const key of snapshotValue[stream]?.keys() ?? []) ids.add(`${stream}:${key}`);
  return ids;
}

export function minimumCalls(snapshotValue: Snapshot): number {
  return PARTNERSTACK_STREAMS.reduce(
    (sum, stream) => sum + Math.max(1, Math.ceil((snapshotValue[stream]?.size ?? 0) / 250)),
    0,
  );
}
