/**
 * Keys whose values are secrets wherever they appear in a logged object, at any depth.
 * pino's own `redact` paths cannot express "any depth", so logged objects go through this first.
 */
const SECRET_KEY =
  /(^|[_-])(token|authorization|cookie|secret|password|passphrase|api[_-]?key|encryption[_-]?keys?|ciphertext|private[_-]?key)s?$|^(token|authorization|apiKey|accessToken|refreshToken)$/i;

export const REDACTED = '[REDACTED]';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function redactSecrets<T>(value: T, seen = new WeakSet<object>()): T {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value as object)) return value;
  seen.add(value as object);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, seen)) as T;
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    copy[key] = isSecretKey(key) ? REDACTED : redactSecrets(inner, seen);
  }
  if (value instanceof Error) {
    copy.message = value.message;
    copy.name = value.name;
    copy.stack = value.stack;
  }
  return copy as T;
}
