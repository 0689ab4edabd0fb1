/**
 * Keys whose values are secrets wherever they appear in a logged object, at any depth, matched on the key's words
 * (camelCase, snake_case and kebab-case alike: `apiToken`, `api_token` and `x-api-token` are the same key), so a
 * new field named like a secret is redacted without anyone remembering to list it. `tokenHint` (the last four
 * characters) ends in a harmless word and stays.
 */
const SECRET_LAST_WORD =
  /^(tokens?|authorization|cookies?|secrets?|passwords?|passphrases?|ciphertexts?|credentials?)$/;
/** A key is a secret only as one of these: most keys here are record keys (`customerKey`, `routingKey`). */
const SECRET_KEY_PHRASES = /(^|_)(api|encryption|private|secret|access|signing|master|handoff)_?keys?$/;

function keyWords(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s]+/g, '_')
    .toLowerCase();
}

export const REDACTED = '[REDACTED]';

export function isSecretKey(key: string): boolean {
  const words = keyWords(key);
  if (SECRET_KEY_PHRASES.test(words)) return true;
  const last = words.split('_').pop() ?? '';
  return SECRET_LAST_WORD.test(last);
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
