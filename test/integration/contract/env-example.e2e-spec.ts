import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { renderEnvExample } from '../../../scripts/env-example';

describe('.env.example', () => {
  it('lists every variable of every env schema with its default (run `npm run env:example` and commit it)', () => {
    expect(readFileSync(join(__dirname, '../../../.env.example'), 'utf8')).toBe(renderEnvExample());
  });

  it('holds no secret value', () => {
    const secrets = renderEnvExample()
      .split('\n')
      .filter((line) => /^#? ?(JWT_SECRET|CREDENTIALS_ENCRYPTION_KEYS|TOKEN_HANDOFF_KEY)=/.test(line));
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    for (const line of secrets) expect(line).toMatch(/=$/);
  });
});
