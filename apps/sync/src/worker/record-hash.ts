import { createHash } from 'node:crypto';

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/**
 * Content hash of a record, independent of the order PartnerStack sends its fields in: the first 64 bits of a
 * SHA-256 (hex), stored per record to tell a changed record from an unchanged one. At 64 bits an accidental
 * collision between two versions of one record is negligible.
 */
export function recordHash(record: unknown): string {
  return createHash('sha256').update(canonical(record)).digest('hex').slice(0, 16);
}

/** Identifies a set of record versions (key and content hash each), whatever their order. */
export function pageVersionsHash(versions: ReadonlyArray<{ key: string; hash: string }>): string {
  const entries = versions.map((version) => `${version.key}:${version.hash}`).sort();
  return createHash('sha256').update(entries.join(',')).digest('hex').slice(0, 32);
}
