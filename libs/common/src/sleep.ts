import { setTimeout as delay } from 'node:timers/promises';

export interface SleepOptions {
  /** Ends the wait early: the promise then rejects with an `AbortError`. */
  signal?: AbortSignal;
}

export async function sleep(ms: number, { signal }: SleepOptions = {}): Promise<void> {
  await delay(ms, undefined, { signal });
}
