/**
 * Moves dead letters back onto the events exchange with their original routing key, for an operator who fixed the
 * cause (docs/operations.md, "Replaying the dead-letter queue").
 *
 *   npm run dlq:replay -- --queue normalizer.raw [--limit 100] [--dry-run]
 *
 * `--queue` takes the work queue or its `.dlq`. Each message is published (confirmed by the broker) before it is
 * removed from the dead-letter queue, so a crash mid-way replays a message twice, never loses one; consumers are
 * idempotent. The retry and dead-letter headers are dropped so the message starts with a fresh retry budget.
 */
import { parseArgs } from 'node:util';

import amqp, { ConfirmChannel, GetMessage } from 'amqplib';

import { EVENTS_EXCHANGE } from '@pp/contracts';
import { deadLetterQueueName, describeBrokerUrl, Headers } from '@pp/messaging';
import { createScriptLogger } from '@pp/observability';

/** Headers that describe the failed attempt; a replayed message must not inherit them. */
const ATTEMPT_HEADERS: readonly string[] = [
  Headers.originalRoutingKey,
  Headers.originalExchange,
  Headers.retryCount,
  Headers.lastError,
  Headers.deadLetterReason,
  Headers.failedAt,
  Headers.failedBy,
];

export const REPLAYED_AT_HEADER = 'x-replayed-at';
export const REPLAY_COUNT_HEADER = 'x-replay-count';

export interface ReplayOptions {
  url: string;
  /** The work queue (`normalizer.raw`) or its dead-letter queue (`normalizer.raw.dlq`). */
  queue: string;
  /** At most this many messages; never more than the queue held when the replay started. */
  limit?: number;
  /** Lists what would be replayed and leaves every message where it is. */
  dryRun?: boolean;
  exchange?: string;
}

export interface DeadLetter {
  messageId: string | undefined;
  routingKey: string | undefined;
  tenantId: string | undefined;
  reason: string | undefined;
  failedBy: string | undefined;
  failedAt: string | undefined;
}

export interface ReplayReport {
  queue: string;
  exchange: string;
  dryRun: boolean;
  /** Messages in the dead-letter queue when the replay started. */
  queued: number;
  replayed: DeadLetter[];
  /** Left in the queue: no original routing key to replay them with. */
  skipped: DeadLetter[];
}

function headerText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

function describeDeadLetter(message: GetMessage): DeadLetter {
  const headers = message.properties.headers ?? {};
  return {
    messageId: message.properties.messageId as string | undefined,
    routingKey: headerText(headers[Headers.originalRoutingKey]),
    tenantId: headerText(headers[Headers.tenantId]),
    reason: headerText(headers[Headers.deadLetterReason]),
    failedBy: headerText(headers[Headers.failedBy]),
    failedAt: headerText(headers[Headers.failedAt]),
  };
}

function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  message: GetMessage,
): Promise<void> {
  const { properties } = message;
  const headers: Record<string, unknown> = { ...(properties.headers ?? {}) };
  for (const name of ATTEMPT_HEADERS) delete headers[name];
  headers[REPLAYED_AT_HEADER] = new Date().toISOString();
  headers[REPLAY_COUNT_HEADER] = Number(properties.headers?.[REPLAY_COUNT_HEADER] ?? 0) + 1;
  return new Promise((resolve, reject) =>
    channel.publish(
      exchange,
      routingKey,
      message.content,
      {
        persistent: true,
        contentType: properties.contentType as string | undefined,
        messageId: properties.messageId as string | undefined,
        correlationId: properties.correlationId as string | undefined,
        type: properties.type as string | undefined,
        timestamp: properties.timestamp as number | undefined,
        headers,
      },
      (error: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()),
    ),
  );
}

export async function replayDeadLetters({
  url,
  queue,
  limit = Number.POSITIVE_INFINITY,
  dryRun = false,
  exchange = EVENTS_EXCHANGE,
}: ReplayOptions): Promise<ReplayReport> {
  const dlq = queue.endsWith('.dlq') ? queue : deadLetterQueueName(queue);
  const connection = await amqp.connect(url, { clientProperties: { connection_name: 'dlq-replay' } });
  try {
    const channel = await connection.createConfirmChannel();
    // A broker-side failure (a missing queue) also rejects the operation that caused it, which is reported.
    channel.on('error', () => undefined);
    const { messageCount } = await channel.checkQueue(dlq);
    if (!dryRun) await channel.checkExchange(exchange);
    const report: ReplayReport = { queue: dlq, exchange, dryRun, queued: messageCount, replayed: [], skipped: [] };
    // Bounded by the count at the start: a replayed message that fails again comes back behind it, not in a loop.
    const budget = Math.min(limit, messageCount);
    const held: GetMessage[] = [];
    for (let taken = 0; taken < budget; taken++) {
      const message = await channel.get(dlq, { noAck: false });
      if (!message) break;
      const deadLetter = describeDeadLetter(message);
      if (!deadLetter.routingKey) {
        report.skipped.push(deadLetter);
        held.push(message);
        continue;
      }
      if (dryRun) {
        report.replayed.push(deadLetter);
        held.push(message);
        continue;
      }
      await publishConfirmed(channel, exchange, deadLetter.routingKey, message);
      channel.ack(message);
      report.replayed.push(deadLetter);
    }
    // Everything not replayed goes back to the dead-letter queue, in its order.
    for (const message of held.reverse()) channel.nack(message, false, true);
    await channel.close();
    return report;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const logger = createScriptLogger('dlq-replay');
  const { values } = parseArgs({
    options: {
      queue: { type: 'string' },
      limit: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      exchange: { type: 'string', default: EVENTS_EXCHANGE },
    },
  });
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (!values.queue || (limit !== undefined && !(Number.isInteger(limit) && limit > 0))) {
    console.error(
      'usage: npm run dlq:replay -- --queue <queue>[.dlq] [--limit <n>] [--dry-run] [--exchange pp.events]',
    );
    process.exit(2);
  }
  const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  logger.info(`${values['dry-run'] ? 'Inspecting' : 'Replaying'} ${values.queue} on ${describeBrokerUrl(url)}`);
  const report = await replayDeadLetters({
    url,
    queue: values.queue,
    limit,
    dryRun: values['dry-run'],
    exchange: values.exchange,
  });
  for (const deadLetter of report.replayed) {
    logger.info(deadLetter, report.dryRun ? 'would replay' : 'replayed');
  }
  for (const deadLetter of report.skipped) {
    logger.warn(deadLetter, `left in ${report.queue}: it has no ${Headers.originalRoutingKey} header`);
  }
  logger.info(
    { queue: report.queue, queued: report.queued, replayed: report.replayed.length, skipped: report.skipped.length },
    report.dryRun
      ? `Dry run: ${report.replayed.length} of ${report.queued} message(s) would be replayed to ${report.exchange}`
      : `Replayed ${report.replayed.length} of ${report.queued} message(s) to ${report.exchange}`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    createScriptLogger('dlq-replay').fatal({ err: error }, 'Replay failed');
    process.exit(1);
  });
}
