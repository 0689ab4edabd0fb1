import { z } from 'zod';

import { baseEnvSchema, InvalidEnvironmentError, parseEnv } from './env';

const schema = baseEnvSchema.extend({ JWT_SECRET: z.string().min(16) });
const secrets = { developmentSecrets: { JWT_SECRET: 'development-only-secret' } };

describe('parseEnv', () => {
  it('fills defaults and development secrets outside production', () => {
    const env = parseEnv(schema, {}, secrets);
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/partner_partner');
    expect(env.JWT_SECRET).toBe('development-only-secret');
  });

  it('refuses to start in production without a secret, naming it', () => {
    expect(() => parseEnv(schema, { NODE_ENV: 'production' }, secrets)).toThrow(/JWT_SECRET: required in production/);
  });

  it('names a malformed variable without printing a secret value', () => {
    let error: unknown;
    try {
      parseEnv(schema, { NODE_ENV: 'production', JWT_SECRET: 'short-leak', AMQP_URL: 'http://x' }, secrets);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    const message = (error as Error).message;
    expect(message).toContain('AMQP_URL');
    expect(message).toContain('JWT_SECRET: malformed secret');
    expect(message).not.toContain('short-leak');
  });
});
