import { z } from 'zod';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** Development default only (production refuses to start without CREDENTIALS_ENCRYPTION_KEYS). */
export const DEVELOPMENT_ENCRYPTION_KEYS = 'dev1:cHAtZGV2ZWxvcG1lbnQtY3JlZGVudGlhbHMta2V5LTE=';

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Parses `keyId:base64(32 bytes)[,keyId:base64...]`; problems name the position, never the key material. */
export function parseEncryptionKeys(value: string): { keys: EncryptionKey[] } | { problem: string } {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return { problem: 'needs at least one keyId:base64 entry' };
  const keys: EncryptionKey[] = [];
  for (const [index, entry] of entries.entries()) {
    const separator = entry.indexOf(':');
    const id = separator > 0 ? entry.slice(0, separator) : '';
    const material = separator > 0 ? entry.slice(separator + 1) : '';
    if (!KEY_ID.test(id)) return { problem: `entry ${index + 1} needs a key id ([A-Za-z0-9_.-]) before ':'` };
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(material) || Buffer.from(material, 'base64').length !== 32) {
      return { problem: `entry ${index + 1} ('${id}') must be base64 of exactly 32 bytes` };
    }
    if (keys.some((key) => key.id === id)) return { problem: `key id '${id}' is listed twice` };
    keys.push({ id, key: Buffer.from(material, 'base64') });
  }
  return { keys };
}

/** `CREDENTIALS_ENCRYPTION_KEYS`: the first key encrypts, every listed key decrypts. */
export const encryptionKeysSchema = z.string().transform((value, context) => {
  const parsed = parseEncryptionKeys(value);
  if ('problem' in parsed) {
    context.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  }
  return parsed.keys;
});
