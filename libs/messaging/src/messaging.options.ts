import { RoutingKey } from '@pp/contracts';

export interface RetryPolicy {
  /** Delay before each redelivery; its length is the number of retries before dead-lettering. */
  delaysMs: number[];
}

export interface ConsumerQueueOptions {
  /** Durable queue name, owned by one service (competing consumers share it). */
  queue: string;
  /** Exact routing keys bound to the queue; each needs exactly one handler in the app. */
  bindings: RoutingKey[];
  /** Unacknowledged deliveries held at once; bounds handler concurrency and batch size. */
  prefetch?: number;
  retry?: RetryPolicy;
}

export interface MessagingOptions {
  url: string;
  /** Who publishes and consumes; stamped on dead letters so an operator knows where a message failed. */
  serviceName: string;
  queues?: ConsumerQueueOptions[];
  /**
   * Queues another app or role consumes that this app publishes to. They are declared, exactly as their consumer
   * declares them (pass the same options), before this app's first publish: a message sent before any consumer
   * ever started is then kept rather than routed nowhere. Their bindings need no handler here.
   */
  publishesTo?: ConsumerQueueOptions[];
  /** Extra topic exchange names; the events exchange is always declared. Tests use it for isolation. */
  exchange?: string;
  /** How long shutdown waits for in-flight handlers before closing (their messages are then redelivered). */
  shutdownGraceMs?: number;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

export const DEFAULT_RETRY: RetryPolicy = { delaysMs: [1_000, 10_000, 60_000, 300_000] };
export const DEFAULT_PREFETCH = 20;
