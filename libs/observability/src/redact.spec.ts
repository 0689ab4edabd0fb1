import { REDACTED, redactSecrets } from './redact';

describe('redactSecrets', () => {
  it('redacts secret keys at any depth and keeps the rest', () => {
    const input = {
      tenantId: 'org_1',
      token: 'sandbox_abc',
      nested: { deeper: [{ Authorization: 'Bearer sandbox_abc', apiKey: 'k', keep: 1 }] },
      headers: { authorization: 'Bearer x', 'x-correlation-id': 'c1' },
      encryptionKeys: 'k1:AAAA',
      tokenHint: 'abcd',
    };
    const output = redactSecrets(input);
    expect(output.token).toBe(REDACTED);
    expect(output.nested.deeper[0]).toEqual({ Authorization: REDACTED, apiKey: REDACTED, keep: 1 });
    expect(output.headers).toEqual({ authorization: REDACTED, 'x-correlation-id': 'c1' });
    expect(output.encryptionKeys).toBe(REDACTED);
    expect(output.tokenHint).toBe('abcd');
    expect(JSON.stringify(output)).not.toContain('sandbox_abc');
  });

  it.each([
    'apiToken',
    'accessToken',
    'partnerstackApiToken',
    'clientSecret',
    'x-api-key',
    'API_KEY',
    'dbPassword',
    'postbackSecret',
    'handoffKey',
    'encryption_keys',
    'sessionCookie',
    'refreshTokens',
  ])('redacts %s whatever its casing', (key) => {
    expect(redactSecrets({ [key]: 'sandbox_abc' })).toEqual({ [key]: REDACTED });
  });

  it.each(['tokenHint', 'customerKey', 'routingKey', 'key', 'externalKey', 'tokenFingerprint', 'secretRotatedAt'])(
    'keeps %s, which names no secret',
    (key) => {
      expect(redactSecrets({ [key]: 'value' })).toEqual({ [key]: 'value' });
    },
  );

  it('survives cycles', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => redactSecrets(cyclic)).not.toThrow();
  });
});
