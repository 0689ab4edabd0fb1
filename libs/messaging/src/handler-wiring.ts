import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

import { isRoutingKey, RoutingKey } from '@pp/contracts';

import { HandlerMetadata, ON_MESSAGE } from './decorators';
import { MessagingWiringError } from './errors';
import { ConsumerQueueOptions } from './messaging.options';
import { BatchHandler, BatchRoute, Route, SingleHandler } from './routes';

interface HandlerDiscovery {
  discovery: DiscoveryService;
  metadataScanner: MetadataScanner;
  reflector: Reflector;
}

/**
 * Routes every routing key bound to one of `queues` to the provider method marked @OnMessage/@OnMessageBatch for it.
 * Refuses (MessagingWiringError, listing every problem at once) a key outside the catalogue, a key bound to two
 * queues, a handler for a key no queue binds, and a bound key with no handler or several.
 */
export function wireHandlers(
  queues: readonly ConsumerQueueOptions[],
  { discovery, metadataScanner, reflector }: HandlerDiscovery,
): Map<RoutingKey, Route> {
  const routes = new Map<RoutingKey, Route>();
  const queueOfKey = new Map<RoutingKey, ConsumerQueueOptions>();
  const problems: string[] = [];
  for (const queue of queues) {
    for (const key of queue.bindings) {
      if (!isRoutingKey(key))
        problems.push(`queue '${queue.queue}' binds '${key}', which is not in the message catalogue`);
      const other = queueOfKey.get(key);
      if (other) problems.push(`routing key '${key}' is bound to both '${other.queue}' and '${queue.queue}'`);
      queueOfKey.set(key, queue);
    }
  }

  const handlersByKey = new Map<RoutingKey, string[]>();
  for (const wrapper of discovery.getProviders()) {
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    if (!instance || typeof instance !== 'object' || wrapper.isNotMetatype) continue;
    const prototype = Object.getPrototypeOf(instance) as object;
    for (const methodName of metadataScanner.getAllMethodNames(prototype)) {
      const method = instance[methodName] as (...args: unknown[]) => Promise<unknown>;
      const metadata = reflector.get<HandlerMetadata | undefined>(ON_MESSAGE, method);
      if (!metadata) continue;
      const name = `${wrapper.name}.${methodName}`;
      const bound = method.bind(instance);
      const batchState: BatchRoute | undefined = metadata.batch
        ? { handler: bound as BatchHandler, options: metadata.batch, buffer: [], flushing: Promise.resolve() }
        : undefined;
      for (const key of metadata.keys) {
        handlersByKey.set(key, [...(handlersByKey.get(key) ?? []), name]);
        const queue = queueOfKey.get(key);
        if (!queue) {
          problems.push(`${name} handles '${key}', but no queue of this service binds it`);
          continue;
        }
        routes.set(key, {
          name,
          queue,
          single: batchState ? undefined : (bound as SingleHandler),
          batch: batchState,
        });
      }
    }
  }

  for (const [key, queue] of queueOfKey) {
    const handlers = handlersByKey.get(key) ?? [];
    if (handlers.length === 0) problems.push(`routing key '${key}' (queue '${queue.queue}') has no handler`);
    if (handlers.length > 1)
      problems.push(`routing key '${key}' has ${handlers.length} handlers: ${handlers.join(', ')}`);
  }
  if (problems.length > 0) throw new MessagingWiringError(problems);
  return routes;
}
