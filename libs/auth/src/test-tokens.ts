import { createHmac } from 'node:crypto';

/**
 * Signs an HS256 JWT the way the main Partner Partner app does. For tests and the demo's ready-made
 * token only; services never issue tokens.
 */
export function signUserJwt(
  claims: { sub: string; org?: string; roles?: string[]; exp?: number; [extra: string]: unknown },
  secret: string,
  { expiresInSeconds = 3600 }: { expiresInSeconds?: number } = {},
): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const header = encode({ alg: 'HS256', typ: 'JWT' });
  const body = encode({ iat: now, exp: now + expiresInSeconds, ...claims });
  const signature = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${signature}`;
}
