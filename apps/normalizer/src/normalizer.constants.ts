/** In-process retries of a transaction that failed transiently, before the batch goes to the retry queues. */
export const TRANSIENT_RETRY_DELAYS_MS = [200, 1_000, 3_000];
