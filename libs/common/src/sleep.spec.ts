import { sleep } from './sleep';

describe(sleep.name, () => {
  it('resolves once the time has passed', async () => {
    const started = Date.now();
    await sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('stops waiting as soon as its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(60_000, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('does not wait at all when its signal has already aborted', async () => {
    await expect(sleep(60_000, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
