import { TokenBucketPacer } from './token-bucket.pacer';

describe(TokenBucketPacer.name, () => {
  it('allows one second of requests at once, then paces to the configured rate per token', async () => {
    const pacer = new TokenBucketPacer(600);
    const started = Date.now();
    await Promise.all(Array.from({ length: 10 }, () => pacer.acquire('a')));
    expect(Date.now() - started).toBeLessThan(50);
    await Promise.all(Array.from({ length: 5 }, () => pacer.acquire('a')));
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    const other = Date.now();
    await pacer.acquire('b');
    expect(Date.now() - other).toBeLessThan(50);
  });

  it('refuses a non-positive rate', () => {
    expect(() => new TokenBucketPacer(0)).toThrow(RangeError);
  });
});
