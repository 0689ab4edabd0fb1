import type { ConfirmChannel, ConsumeMessage } from 'amqplib';

import { BatchOptions, MessageOf, RoutingKey } from '@pp/contracts';

import { ConsumerQueueOptions } from './messaging.options';

export type AnyMessage = MessageOf<RoutingKey>;

export interface BatchFailure {
  messageId: string;
  reason: string;
}

export type SingleHandler = (message: AnyMessage) => Promise<unknown>;
export type BatchHandler = (messages: AnyMessage[]) => Promise<BatchFailure[] | void>;

/** One message as the broker handed it over, with the channel that must acknowledge it. */
export interface Delivery {
  raw: ConsumeMessage;
  channel: ConfirmChannel;
  queue: ConsumerQueueOptions;
}

export interface BatchItem {
  delivery: Delivery;
  message: AnyMessage;
}

/** A batch handler and its buffer, shared by every routing key the handler takes, so they batch together. */
export interface BatchRoute {
  handler: BatchHandler;
  options: BatchOptions;
  buffer: BatchItem[];
  timer?: NodeJS.Timeout;
  flushing: Promise<void>;
}

/** Where deliveries of one routing key go: its queue and its single or batch handler. */
export interface Route {
  name: string;
  queue: ConsumerQueueOptions;
  single?: SingleHandler;
  batch?: BatchRoute;
}
