import { metricsAccess } from './metrics.module';

describe('metricsAccess', () => {
  const token = 'metrics-token-0123456789';

  it('is open outside production when no token is configured, hidden in production', () => {
    expect(metricsAccess(undefined, false, undefined)).toBe('allowed');
    expect(metricsAccess(undefined, true, `Bearer ${token}`)).toBe('hidden');
  });

  it('needs the exact configured bearer token when one is set', () => {
    expect(metricsAccess(token, true, `Bearer ${token}`)).toBe('allowed');
    expect(metricsAccess(token, false, undefined)).toBe('unauthorized');
    expect(metricsAccess(token, true, `Bearer ${token}x`)).toBe('unauthorized');
    expect(metricsAccess(token, true, token)).toBe('unauthorized');
  });
});
