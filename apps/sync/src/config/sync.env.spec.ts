import { parseEnv } from '@pp/config';

import { DEFAULT_GLOBAL_REQUESTS_PER_MINUTE } from '../sync.constants';
import { syncDevelopmentSecrets, syncEnvSchema } from './sync.env';

const parse = (env: Record<string, string>) =>
  parseEnv(syncEnvSchema, env, { developmentSecrets: syncDevelopmentSecrets });

describe('PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE', () => {
  it('defaults below the only published per-IP limit (4,000 a minute)', () => {
    expect(parse({}).PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE).toBe(DEFAULT_GLOBAL_REQUESTS_PER_MINUTE);
    expect(DEFAULT_GLOBAL_REQUESTS_PER_MINUTE).toBeLessThan(4_000);
    expect(parse({ PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE: '300' }).PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE).toBe(300);
  });

  it.each(['0', '-5', '1.5', 'many'])('refuses %s, naming the variable', (value) => {
    expect(() => parse({ PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE: value })).toThrow(
      /PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE/,
    );
  });
});
