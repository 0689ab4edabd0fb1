import { createHash, hkdfSync } from 'node:crypto';

import { z } from 'zod';

/** Development default only; production refuses to start without TOKEN_HANDOFF_KEY (see @pp/config). */
export const DEVELOPMENT_TOKEN_HANDOFF_KEY = 'cHAtZGV2ZWxvcG1lbnQtdG9rZW4taGFuZG9mZi1rZXk=';

/** `TOKEN_HANDOFF_KEY`: base64 of 32 random bytes, shared by the credentials and sync services only. */
export const tokenHandoffKeySchema = z
  .string()
  .refine((value) => /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32, {
    message: 'must be base64 of exactly 32 bytes (openssl rand -base64 32)',
  });

export interface HandoffKeys {
  /** Authenticates requests (HMAC-SHA256). */
  requestMac: Buffer;
  /** Salt of every reply key; without it an ephemeral key exchange alone does not open a reply. */
  replySalt: Buffer;
  /** Short, non-reversible id of the key for log lines ("which key does this replica run with?"). */
  fingerprint: string;
}

export function deriveHandoffKeys(base64Key: string): HandoffKeys {
  const parsed = tokenHandoffKeySchema.safeParse(base64Key);
  if (!parsed.success) throw new Error('TOKEN_HANDOFF_KEY must be base64 of exactly 32 bytes');
  const master = Buffer.from(base64Key, 'base64');
  const derive = (label: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), label, 32));
  return {
    requestMac: derive('pp token-handoff v1 request-mac'),
    replySalt: derive('pp token-handoff v1 reply-salt'),
    fingerprint: createHash('sha256')
      .update('pp token-handoff key fingerprint')
      .update(master)
      .digest('hex')
      .slice(0, 12),
  };
}

/** What log lines may say about a token: a short hash, never the token or a reversible part of it. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update('pp token fingerprint').update(token).digest('hex').slice(0, 12);
}
