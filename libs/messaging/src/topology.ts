/** Header names the dispatcher writes; dead letters keep them so an operator can see why and replay. */
export const Headers = {
  originalRoutingKey: 'x-original-routing-key',
  originalExchange: 'x-original-exchange',
  retryCount: 'x-retry-count',
  lastError: 'x-last-error',
  deadLetterReason: 'x-dead-letter-reason',
  failedAt: 'x-failed-at',
  failedBy: 'x-failed-by',
  schemaVersion: 'x-schema-version',
  tenantId: 'x-tenant-id',
} as const;

export function retryQueueName(queue: string, attempt: number): string {
  return `${queue}.retry.${attempt}`;
}

export function deadLetterQueueName(queue: string): string {
  return `${queue}.dlq`;
}
