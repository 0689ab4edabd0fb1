import type { ConfirmChannel } from 'amqplib';

import { DEFAULT_RETRY } from '@pp/contracts';

import { ConsumerQueueOptions } from './messaging.options';

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

/**
 * Declares a work queue, its bindings on `exchange`, its delay queues and its dead-letter queue. The one
 * declaration both its consumer and its publishers make: a queue declared twice with different arguments is
 * refused by the broker.
 */
export async function assertQueueTopology(
  channel: ConfirmChannel,
  exchange: string,
  queue: ConsumerQueueOptions,
): Promise<void> {
  await channel.assertQueue(queue.queue, { durable: true });
  for (const key of queue.bindings) await channel.bindQueue(queue.queue, exchange, key);
  for (const [attempt, delayMs] of (queue.retry ?? DEFAULT_RETRY).delaysMs.entries()) {
    // An expired retry copy is dead-lettered by the broker straight back onto the work queue.
    await channel.assertQueue(retryQueueName(queue.queue, attempt + 1), {
      durable: true,
      arguments: {
        'x-message-ttl': delayMs,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': queue.queue,
      },
    });
  }
  await channel.assertQueue(deadLetterQueueName(queue.queue), { durable: true });
}
