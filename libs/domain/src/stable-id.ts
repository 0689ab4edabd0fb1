import { createHash } from 'node:crypto';

/** Fixed namespace of our ids, so the same (tenant, kind, external key) always yields the same uuid. */
const NAMESPACE = 'partner-partner/domain/v1';

/**
 * Our id for a synced record: a name-based (version 5 layout, SHA-1) uuid of tenant, kind and PartnerStack key.
 * Stable across syncs, replays and rebuilds, and computable before the row exists, which keeps batch writes set-based.
 */
export function stableId(tenantId: string, kind: string, externalKey: string): string {
  const hash = createHash('sha1').update(`${NAMESPACE}\u0000${tenantId}\u0000${kind}\u0000${externalKey}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
