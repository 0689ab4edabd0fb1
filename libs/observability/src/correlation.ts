import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export interface CorrelationScope {
  correlationId: string;
  tenantId?: string;
}

const storage = new AsyncLocalStorage<CorrelationScope>();

export const CORRELATION_HEADER = 'x-correlation-id';

export function newCorrelationId(): string {
  return randomUUID();
}

/** Runs `work` so that every log line and every published message inside it carries this correlation id. */
export function runWithCorrelation<T>(scope: CorrelationScope, work: () => T): T {
  return storage.run({ ...scope }, work);
}

export function currentCorrelation(): CorrelationScope | undefined {
  return storage.getStore();
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}
