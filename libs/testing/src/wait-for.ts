import { sleep } from '@pp/common';

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the error, so a timed-out test says what it was waiting for. */
  description?: string;
}

/** Polls `condition` until it returns a truthy value (which is returned) or the deadline passes. */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 50, description = 'condition' }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      // A condition that never settles (a call on a closed channel, say) must not outlive the deadline.
      const value = await Promise.race([
        condition(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('condition did not settle')), Math.max(deadline - Date.now(), 1)).unref(),
        ),
      ]);
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}${cause}`);
    }
    await sleep(intervalMs);
  }
}
