import type { ConfirmChannel } from 'amqplib';

import { DEFAULT_RETRY, QUEUES_EXCHANGE } from '@pp/contracts';

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

/**
 * The delay queue of a queue's nth redelivery. `.delay.` rather than the earlier `.retry.`: those dead-lettered
 * through the default exchange, and a queue cannot be redeclared with other arguments (docs/operations.md).
 */
export function retryQueueName(queue: string, attempt: number): string {
  return `${queue}.delay.${attempt}`;
}

export function deadLetterQueueName(queue: string): string {
  return `${queue}.dlq`;
}

/**
 * Declares a work queue, its bindings on `exchange`, its delay queues and its dead-letter queue, each also bound on
 * QUEUES_EXCHANGE under its own name (redeliveries and dead letters are published there). The one declaration both
 * its consumer and its publishers make: a queue declared twice with different arguments is refused by the broker.
 */
export async function assertQueueTopology(
  channel: ConfirmChannel,
  exchange: string,
  queue: ConsumerQueueOptions,
): Promise<void> {
  await channel.assertExchange(QUEUES_EXCHANGE, 'topic', { durable: true });
  await channel.assertQueue(queue.queue, { durable: true });
  for (const key of queue.bindings) await channel.bindQueue(queue.queue, exchange, key);
  await channel.bindQueue(queue.queue, QUEUES_EXCHANGE, queue.queue);
  for (const [attempt, delayMs] of (queue.retry ?? DEFAULT_RETRY).delaysMs.entries()) {
    const delayQueue = retryQueueName(queue.queue, attempt + 1);
    // An expired copy is dead-lettered by the broker straight back onto the work queue.
    await channel.assertQueue(delayQueue, {
      durable: true,
      arguments: {
        'x-message-ttl': delayMs,
        'x-dead-letter-exchange': QUEUES_EXCHANGE,
        'x-dead-letter-routing-key': queue.queue,
      },
    });
    await channel.bindQueue(delayQueue, QUEUES_EXCHANGE, delayQueue);
  }
  const deadLetters = deadLetterQueueName(queue.queue);
  await channel.assertQueue(deadLetters, { durable: true });
  await channel.bindQueue(deadLetters, QUEUES_EXCHANGE, deadLetters);
}
