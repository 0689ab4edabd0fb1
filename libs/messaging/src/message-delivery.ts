import { Logger } from '@nestjs/common';
import type { ConfirmChannel } from 'amqplib';

import { describeError } from '@pp/common';
import { contractOf, DEFAULT_RETRY, envelopeSchema, isRoutingKey, QUEUES_EXCHANGE, RoutingKey } from '@pp/contracts';
import { runWithCorrelation } from '@pp/observability';

import { PermanentMessageError } from './errors';
import { messagingMetrics } from './metrics';
import { AnyMessage, BatchItem, Delivery, Route } from './routes';
import { deadLetterQueueName, Headers, retryQueueName } from './topology';

type Decoded = { ok: true; message: AnyMessage; key: RoutingKey } | { ok: false; reason: string };

/** Publishes to `queue` by name through QUEUES_EXCHANGE, resolved once the broker confirmed it. */
function sendConfirmed(channel: ConfirmChannel, queue: string, content: Buffer, options: object): Promise<void> {
  return new Promise((resolve, reject) =>
    channel.publish(QUEUES_EXCHANGE, queue, content, options, (error: unknown) => (error ? reject(error) : resolve())),
  );
}

/**
 * Handles each delivery: validates it against the catalogue, runs its handler (or buffers it for its batch
 * handler) in the message's correlation scope, and acknowledges it only after the handler resolved. Transient
 * failures are retried through delay queues with growing TTLs; invalid messages and exhausted retries go to the
 * dead-letter queue with the reason and original routing key.
 */
export class MessageDelivery {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly routes: ReadonlyMap<RoutingKey, Route>,
    private readonly serviceName: string,
    private readonly logger: Logger,
  ) {}

  public accept(delivery: Delivery): void {
    this.track(this.onDelivery(delivery));
  }

  /** Flushes every buffered batch, then waits for all work in flight, but no longer than `graceMs`. */
  public async drain(graceMs: number): Promise<void> {
    for (const route of this.routes.values()) if (route.batch) this.scheduleFlush(route);
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
    ]);
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private decode(delivery: Delivery): Decoded {
    const { raw } = delivery;
    let body: unknown;
    try {
      body = JSON.parse(raw.content.toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed: body is not JSON' };
    }
    const envelope = envelopeSchema.safeParse(body);
    if (!envelope.success) {
      const issues = envelope.error.issues.map((issue) => `${issue.path.join('.') || '(envelope)'}: ${issue.message}`);
      return { ok: false, reason: `invalid envelope: ${issues.join('; ')}` };
    }
    const headerKey = raw.properties.headers?.[Headers.originalRoutingKey] as string | undefined;
    const key = headerKey ?? raw.fields.routingKey;
    if (!isRoutingKey(key) || !this.routes.has(key))
      return { ok: false, reason: `no handler for routing key '${key}'` };
    if (envelope.data.routingKey !== key) {
      return { ok: false, reason: `envelope says '${envelope.data.routingKey}' but it was routed as '${key}'` };
    }
    const contract = contractOf(key);
    if (envelope.data.schemaVersion > contract.schemaVersion) {
      return {
        ok: false,
        reason: `schema version ${envelope.data.schemaVersion} of '${key}' is newer than this service understands (${contract.schemaVersion})`,
      };
    }
    const payload = contract.payload.safeParse(envelope.data.payload);
    if (!payload.success) {
      const issues = payload.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`);
      return { ok: false, reason: `invalid payload: ${issues.join('; ')}` };
    }
    return { ok: true, key, message: { ...envelope.data, routingKey: key, payload: payload.data } as AnyMessage };
  }

  private async onDelivery(delivery: Delivery): Promise<void> {
    const decoded = this.decode(delivery);
    if (!decoded.ok) {
      await this.deadLetter(delivery, decoded.reason);
      return;
    }
    const route = this.routes.get(decoded.key)!;
    if (route.batch) {
      this.enqueueBatch(route, delivery, decoded.message);
      return;
    }
    const timer = messagingMetrics.handlerSeconds.startTimer({ queue: delivery.queue.queue });
    try {
      await runWithCorrelation(
        { correlationId: decoded.message.correlationId, tenantId: decoded.message.tenantId },
        () => route.single!(decoded.message),
      );
      this.ack(delivery, 'acked');
    } catch (error) {
      await this.fail(delivery, error, decoded.message);
    } finally {
      timer();
    }
  }

  private enqueueBatch(route: Route, delivery: Delivery, message: AnyMessage): void {
    const batch = route.batch!;
    batch.buffer.push({ delivery, message });
    if (batch.buffer.length >= batch.options.maxSize) {
      this.scheduleFlush(route);
    } else if (!batch.timer) {
      batch.timer = setTimeout(() => this.scheduleFlush(route), batch.options.maxWaitMs);
    }
  }

  private scheduleFlush(route: Route): void {
    const batch = route.batch!;
    if (batch.timer) clearTimeout(batch.timer);
    batch.timer = undefined;
    const items = batch.buffer.splice(0, batch.buffer.length);
    if (items.length === 0) return;
    // Batches of one handler run one after another, so two transactions never race on the same rows.
    batch.flushing = batch.flushing.then(() => this.flushBatch(route, items));
    this.track(batch.flushing);
  }

  private async flushBatch(route: Route, items: BatchItem[]): Promise<void> {
    const timer = messagingMetrics.handlerSeconds.startTimer({ queue: route.queue.queue });
    const first = items[0].message;
    try {
      const failures = await runWithCorrelation({ correlationId: first.correlationId }, () =>
        route.batch!.handler(items.map((item) => item.message)),
      );
      const reasons = new Map((failures ?? []).map((failure) => [failure.messageId, failure.reason]));
      for (const item of items) {
        const reason = reasons.get(item.message.messageId);
        if (reason === undefined) this.ack(item.delivery, 'acked');
        else await this.deadLetter(item.delivery, reason);
      }
    } catch (error) {
      for (const item of items) await this.fail(item.delivery, error, item.message);
    } finally {
      timer();
    }
  }

  private ack({ raw, channel, queue }: Delivery, outcome: string): void {
    try {
      channel.ack(raw);
      messagingMetrics.consumed.inc({ queue: queue.queue, outcome });
    } catch (error) {
      // The channel closed under us: the broker redelivers the message, and handlers are idempotent.
      this.logger.warn(
        `Could not acknowledge a message of '${queue.queue}': ${describeError(error, { withName: true })}`,
      );
    }
  }

  private async fail(delivery: Delivery, error: unknown, message: AnyMessage): Promise<void> {
    if (error instanceof PermanentMessageError) {
      await this.deadLetter(delivery, error.message);
      return;
    }
    const retry = delivery.queue.retry ?? DEFAULT_RETRY;
    const attempt = Number(delivery.raw.properties.headers?.[Headers.retryCount] ?? 0) + 1;
    const reason = describeError(error, { withName: true });
    if (attempt > retry.delaysMs.length) {
      await this.deadLetter(delivery, `retries exhausted after ${attempt - 1} attempts: ${reason}`);
      return;
    }
    this.logger.warn(
      { correlationId: message.correlationId, routingKey: message.routingKey, attempt },
      `Handler failed, retrying in ${retry.delaysMs[attempt - 1]} ms: ${reason}`,
    );
    await this.republish(delivery, retryQueueName(delivery.queue.queue, attempt), {
      [Headers.retryCount]: attempt,
      [Headers.lastError]: reason.slice(0, 1000),
    });
    messagingMetrics.consumed.inc({ queue: delivery.queue.queue, outcome: 'retried' });
  }

  private async deadLetter(delivery: Delivery, reason: string): Promise<void> {
    this.logger.error(
      { queue: delivery.queue.queue, routingKey: delivery.raw.fields.routingKey, reason },
      'Message dead-lettered',
    );
    await this.republish(delivery, deadLetterQueueName(delivery.queue.queue), {
      [Headers.deadLetterReason]: reason.slice(0, 4000),
      [Headers.failedAt]: new Date().toISOString(),
      [Headers.failedBy]: this.serviceName,
    });
    messagingMetrics.consumed.inc({ queue: delivery.queue.queue, outcome: 'dead_lettered' });
  }

  /** Copies the delivery to `target` (confirmed by the broker) and only then acknowledges the original. */
  private async republish(delivery: Delivery, target: string, extraHeaders: Record<string, unknown>): Promise<void> {
    const { raw, channel } = delivery;
    const headers = {
      ...(raw.properties.headers ?? {}),
      [Headers.originalRoutingKey]: raw.properties.headers?.[Headers.originalRoutingKey] ?? raw.fields.routingKey,
      [Headers.originalExchange]: raw.properties.headers?.[Headers.originalExchange] ?? raw.fields.exchange,
      ...extraHeaders,
    };
    try {
      await sendConfirmed(channel, target, raw.content, {
        persistent: true,
        contentType: raw.properties.contentType,
        messageId: raw.properties.messageId,
        correlationId: raw.properties.correlationId,
        type: raw.properties.type,
        timestamp: raw.properties.timestamp,
        headers,
      });
      channel.ack(raw);
    } catch (error) {
      this.logger.warn(
        `Could not move a message to '${target}', it will be redelivered: ${describeError(error, { withName: true })}`,
      );
    }
  }
}
