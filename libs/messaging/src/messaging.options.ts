import { QueueDeclaration } from '@pp/contracts';

/** A queue as libs/contracts' QUEUES declares it (tests declare their own). */
export type ConsumerQueueOptions = QueueDeclaration;

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
