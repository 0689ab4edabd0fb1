import { SetMetadata } from '@nestjs/common';

import { RoutingKey } from '@pp/contracts';

export const ON_MESSAGE = Symbol('ON_MESSAGE');

export interface BatchOptions {
  /** Flush when this many messages are buffered (keep prefetch at least this high). */
  maxSize: number;
  /** Flush at the latest this long after the first message of a batch arrived. */
  maxWaitMs: number;
}

export interface HandlerMetadata {
  keys: RoutingKey[];
  batch?: BatchOptions;
}

/** Binds a provider method to one routing key; it receives the validated envelope. */
export const OnMessage = (key: RoutingKey): MethodDecorator =>
  SetMetadata(ON_MESSAGE, { keys: [key] } satisfies HandlerMetadata);

/**
 * Binds a provider method to several routing keys and hands it batches of validated envelopes.
 * It resolves with the messages that failed permanently (dead-lettered with their reason);
 * the rest are acknowledged. If it throws, the whole batch goes through the retry path.
 */
export const OnMessageBatch = (keys: RoutingKey[], batch: BatchOptions): MethodDecorator =>
  SetMetadata(ON_MESSAGE, { keys, batch } satisfies HandlerMetadata);
