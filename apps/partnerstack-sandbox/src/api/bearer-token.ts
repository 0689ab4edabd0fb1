import { createHash } from 'node:crypto';

import type { Request } from 'express';

import { SANDBOX_TOKEN_PATTERN } from '../sandbox.constants';

export interface SandboxCaller {
  token: string;
  fingerprint: string;
}

/** Same derivation as the client's `tokenFingerprint`, so admin stats and client logs name agencies alike. */
export function fingerprintOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 32);
}

function bearerToken(request: Request): string | null {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1] : null;
}

/** The sandbox token of a request, or null when the header is missing or not `Bearer sandbox_…`. */
export function sandboxCaller(request: Request): SandboxCaller | null {
  const token = bearerToken(request);
  if (!token || !SANDBOX_TOKEN_PATTERN.test(token)) return null;
  return { token, fingerprint: fingerprintOf(token) };
}

/** Whom to count a rejected request for: the fingerprint of whatever Bearer token came, else `anonymous`. */
export function rejectedCallerName(request: Request): string {
  const token = bearerToken(request);
  return token ? fingerprintOf(token) : 'anonymous';
}
