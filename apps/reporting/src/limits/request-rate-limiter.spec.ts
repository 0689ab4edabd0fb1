import { RequestRateLimiter } from './request-rate-limiter';

/** A limiter on a clock the test moves by hand. */
function limiterAt(perMinute: number) {
  let now = 1_000_000;
  const limiter = new RequestRateLimiter(perMinute, () => now);
  return {
    limiter,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('RequestRateLimiter', () => {
  it('lets a full minute of requests through at once, then refuses with the wait for the next token', () => {
    const { limiter } = limiterAt(3);
    expect([limiter.take('org_a'), limiter.take('org_a'), limiter.take('org_a')]).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: true },
    ]);
    // 3 per minute: a token every 20 s.
    expect(limiter.take('org_a')).toEqual({ allowed: false, retryAfterSeconds: 20 });
  });

  it('keeps each org to its own bucket', () => {
    const { limiter } = limiterAt(1);
    expect(limiter.take('org_a')).toEqual({ allowed: true });
    expect(limiter.take('org_a').allowed).toBe(false);
    expect(limiter.take('org_b')).toEqual({ allowed: true });
  });

  it('refills one token per 60 / perMinute seconds, and says how much of the wait is left', () => {
    const { limiter, advance } = limiterAt(3);
    for (let request = 0; request < 3; request += 1) limiter.take('org_a');
    advance(5_000);
    expect(limiter.take('org_a')).toEqual({ allowed: false, retryAfterSeconds: 15 });
    advance(15_000);
    expect(limiter.take('org_a')).toEqual({ allowed: true });
    expect(limiter.take('org_a')).toEqual({ allowed: false, retryAfterSeconds: 20 });
  });

  it('never refills beyond one minute of requests, however long an org was idle', () => {
    const { limiter, advance } = limiterAt(2);
    limiter.take('org_a');
    advance(3_600_000);
    expect([limiter.take('org_a'), limiter.take('org_a')]).toEqual([{ allowed: true }, { allowed: true }]);
    expect(limiter.take('org_a').allowed).toBe(false);
  });

  it('asks for at least a second, since Retry-After counts whole seconds', () => {
    const { limiter } = limiterAt(6_000);
    for (let request = 0; request < 6_000; request += 1) limiter.take('org_a');
    // A token every 10 ms.
    expect(limiter.take('org_a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('forgets orgs whose bucket has refilled, and remembers the ones still waiting', () => {
    const { limiter, advance } = limiterAt(3);
    limiter.take('org_idle');
    advance(50_000);
    for (let request = 0; request < 3; request += 1) limiter.take('org_busy');
    expect(limiter.size).toBe(2);
    advance(11_000);
    // 61 s on: the sweep runs; org_idle's bucket is full again, org_busy's has refilled only 11 s worth.
    expect(limiter.take('org_new')).toEqual({ allowed: true });
    expect(limiter.size).toBe(2);
    expect(limiter.take('org_busy')).toEqual({ allowed: false, retryAfterSeconds: 9 });
  });
});
