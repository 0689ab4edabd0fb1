import { createHash } from 'node:crypto';

/**
 * A stable, non-reversible name for a token (first 128 bits of its SHA-256, hex): safe in logs, metrics and
 * as a key (pacing buckets, rate-limit rows). API tokens are high-entropy, so an unkeyed hash does not reveal them.
 */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 32);
}
