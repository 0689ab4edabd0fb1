import { lifetimeProblem } from './jwt.strategy';

describe('lifetimeProblem', () => {
  const now = 1_800_000_000;
  const policy = { maxAgeSeconds: 86_400, nowSeconds: now };

  it('accepts a token that expires within the maximum age', () => {
    expect(lifetimeProblem({ sub: 'u', iat: now - 60, exp: now + 3600 }, policy)).toBeUndefined();
    expect(lifetimeProblem({ sub: 'u', exp: now + 3600 }, policy)).toBeUndefined();
  });

  it('refuses a token without exp', () => {
    expect(lifetimeProblem({ sub: 'u', iat: now }, policy)).toMatch(/no expiry/);
  });

  it('refuses a token issued longer ago than the maximum age, even if it has not expired', () => {
    expect(lifetimeProblem({ sub: 'u', iat: now - 90_000, exp: now + 60 }, policy)).toMatch(/older than/);
  });

  it('refuses a token whose lifetime exceeds the maximum age, with or without iat', () => {
    expect(lifetimeProblem({ sub: 'u', iat: now, exp: now + 7 * 86_400 }, policy)).toMatch(/lives longer/);
    expect(lifetimeProblem({ sub: 'u', exp: now + 7 * 86_400 }, policy)).toMatch(/lives longer/);
  });

  it('refuses a token issued in the future', () => {
    expect(lifetimeProblem({ sub: 'u', iat: now + 600, exp: now + 900 }, policy)).toMatch(/future/);
  });
});
