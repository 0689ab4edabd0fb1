import { ArgumentsHost, Catch, INestApplication, RpcExceptionFilter } from '@nestjs/common';
import {
  CustomTransportStrategy,
  MessageHandler,
  MicroserviceOptions,
  NestMicroservice,
  Server,
} from '@nestjs/microservices';
import { isObservable, lastValueFrom, Observable, throwError } from 'rxjs';

import { BatchOptions, isRoutingKey, RoutingKey } from '@pp/contracts';

import { MessagingWiringError } from './errors';
import { MessageDispatcher } from './message-dispatcher';
import { ConsumerQueueOptions } from './messaging.options';
import { AnyMessage, BatchFailure, BatchHandler, BatchRoute, Route, SingleHandler } from './routes';

interface HandlerExtras {
  batch?: BatchOptions;
}

/**
 * Extras for `@EventPattern([...keys], inBatches({ maxSize, maxWaitMs }))`: the method receives arrays of validated
 * envelopes and resolves with the ones that failed permanently (dead-lettered with their reason); the rest are
 * acknowledged. If it throws, the whole batch goes through the retry path. Every key of one decorator shares one
 * buffer, so they batch together.
 */
export const inBatches = (batch: BatchOptions): HandlerExtras => ({ batch });

/**
 * Nest's RPC exception layer would turn a handler's error into `{ status: 'error', message }`; the transport needs the
 * error itself to choose between retrying and dead-lettering (PermanentMessageError) and to record the reason.
 */
@Catch()
export class RethrowToTransport implements RpcExceptionFilter {
  public catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * The RabbitMQ transport of every service, as a Nest microservice strategy: Nest hands it each controller method marked
 * `@EventPattern('<routing key>')`, and it consumes the queues the app's MessagingModule declares through
 * MessageDispatcher, which keeps confirms, delay-queue retries, dead-letter reasons and the correlation scope in one
 * place. At listen it refuses to start (MessagingWiringError, every problem at once) when a key outside the catalogue is
 * bound, a key is bound to two queues, a handler takes a key no queue binds, or a bound key has no handler or several.
 */
export class AmqpEventsTransport extends Server implements CustomTransportStrategy {
  constructor(private readonly dispatcher: MessageDispatcher) {
    super();
  }

  public listen(callback: (error?: unknown) => void): void {
    try {
      this.dispatcher.start(routeHandlers(this.dispatcher.queues, this.getHandlers()));
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Consumption stops and drains in MessageDispatcher's shutdown hook, before the app's other providers go. */
  public close(): void {}

  public on(): never {
    throw new Error('AmqpEventsTransport has no events to listen to');
  }

  public unwrap<T>(): T {
    return this.dispatcher as T;
  }
}

/**
 * Connects the events transport to a booted app and starts consuming; what main.ts and in-process test apps call.
 * An app without MessagingModule queues has nothing to consume and is left alone.
 */
export async function startEventsTransport(app: INestApplication): Promise<void> {
  const dispatcher = app.get(MessageDispatcher, { strict: false });
  const microservice = app.connectMicroservice<MicroserviceOptions>(
    { strategy: new AmqpEventsTransport(dispatcher) },
    { deferInitialization: true },
  ) as NestMicroservice;
  // Handlers take the global filters in force when they are registered, so the filter goes first; the app itself
  // is initialised already, so its lifecycle hooks must not run a second time.
  microservice.useGlobalFilters(new RethrowToTransport());
  microservice.registerListeners();
  microservice.setIsInitialized(true);
  microservice.setIsInitHookCalled(true);
  await app.startAllMicroservices();
}

type ChainedHandler = MessageHandler & { next?: ChainedHandler; extras?: HandlerExtras };

async function settle(result: unknown): Promise<unknown> {
  const value = await result;
  return isObservable(value) ? lastValueFrom(value, { defaultValue: undefined }) : value;
}

export function routeHandlers(
  queues: readonly ConsumerQueueOptions[],
  handlers: ReadonlyMap<string, MessageHandler>,
): Map<RoutingKey, Route> {
  const problems: string[] = [];
  const queueOfKey = new Map<RoutingKey, ConsumerQueueOptions>();
  for (const queue of queues) {
    for (const key of queue.bindings) {
      if (!isRoutingKey(key))
        problems.push(`queue '${queue.queue}' binds '${key}', which is not in the message catalogue`);
      const other = queueOfKey.get(key);
      if (other) problems.push(`routing key '${key}' is bound to both '${other.queue}' and '${queue.queue}'`);
      queueOfKey.set(key, queue);
    }
  }

  const routes = new Map<RoutingKey, Route>();
  // One decorator's keys share its extras object, and so one batch buffer.
  const batches = new Map<HandlerExtras, BatchRoute>();
  for (const [pattern, head] of handlers as ReadonlyMap<string, ChainedHandler>) {
    const key = pattern as RoutingKey;
    const queue = queueOfKey.get(key);
    if (!queue) {
      problems.push(`a handler takes '${pattern}', but no queue of this service binds it`);
      continue;
    }
    if (head.next) {
      problems.push(`routing key '${pattern}' has ${chainLength(head)} handlers`);
      continue;
    }
    const name = `@EventPattern('${pattern}')`;
    const extras = head.extras ?? {};
    if (extras.batch) {
      let batch = batches.get(extras);
      if (!batch) {
        const handler: BatchHandler = async (messages: AnyMessage[]) =>
          (await settle(head(messages))) as BatchFailure[] | void;
        batch = { handler, options: extras.batch, buffer: [], flushing: Promise.resolve() };
        batches.set(extras, batch);
      }
      routes.set(key, { name, queue, batch });
    } else {
      const single: SingleHandler = (message: AnyMessage) => settle(head(message));
      routes.set(key, { name, queue, single });
    }
  }

  for (const [key, queue] of queueOfKey) {
    if (!handlers.has(key)) problems.push(`routing key '${key}' (queue '${queue.queue}') has no handler`);
  }
  if (problems.length > 0) throw new MessagingWiringError(problems);
  return routes;
}

function chainLength(handler: ChainedHandler | undefined): number {
  return handler ? 1 + chainLength(handler.next) : 0;
}
