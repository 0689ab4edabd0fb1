import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';

import { describeError } from '@pp/common';
import { QUEUES_EXCHANGE } from '@pp/contracts';
import { AmqpConnection } from '@pp/messaging';
import { runWithCorrelation } from '@pp/observability';

import { DIRECT_REPLY_TO, REQUEST_MAX_AGE_MS, TOKEN_REQUEST_QUEUE } from './token-handoff.constants';
import { deriveHandoffKeys, HandoffKeys, tokenFingerprint } from './token-handoff.key';
import { handoffMetrics } from './token-handoff.metrics';
import { checkRequest, HandoffReply, refusedReply, sealReply, TokenResolution } from './token-handoff.protocol';

/** Looks up the token of one connection of one tenant; implemented by the credentials service. */
export interface TokenResolver {
  resolve(target: { tenantId: string; connectionId: string }): Promise<TokenResolution>;
}

export interface TokenHandoffServerOptions {
  key: string;
  resolver: TokenResolver;
  /** Requests answered concurrently by one replica. */
  prefetch?: number;
}

export const TOKEN_HANDOFF_SERVER_OPTIONS = Symbol('TOKEN_HANDOFF_SERVER_OPTIONS');

/**
 * Answers token requests on `credentials.token-requests` (competing consumers across replicas). Only requests
 * with a valid HMAC, issued within the replay window and not seen before get a sealed reply, and replies only
 * ever go to a direct reply-to address, which RabbitMQ delivers to the requesting channel without storing.
 */
@Injectable()
export class TokenHandoffServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TokenHandoffServer.name);
  private readonly keys: HandoffKeys;
  /** Request ids answered within the replay window, oldest first (Map keeps insertion order). */
  private readonly seen = new Map<string, number>();
  private channel?: ChannelWrapper;

  constructor(
    @Inject(TOKEN_HANDOFF_SERVER_OPTIONS) private readonly options: TokenHandoffServerOptions,
    private readonly connection: AmqpConnection,
  ) {
    this.keys = deriveHandoffKeys(options.key);
  }

  public onApplicationBootstrap(): void {
    this.channel = this.connection.manager.createChannel({
      name: 'token-handoff-server',
      json: false,
      confirm: false,
      setup: async (channel: Channel) => {
        // Requests are worthless after seconds: not durable, and gone with the last replica so clients fail fast.
        await channel.assertQueue(TOKEN_REQUEST_QUEUE, { durable: false, autoDelete: true });
        // Workers address it through QUEUES_EXCHANGE, never the default exchange (see QUEUES_EXCHANGE).
        await channel.assertExchange(QUEUES_EXCHANGE, 'topic', { durable: true });
        await channel.bindQueue(TOKEN_REQUEST_QUEUE, QUEUES_EXCHANGE, TOKEN_REQUEST_QUEUE);
        await channel.prefetch(this.options.prefetch ?? 16);
        await channel.consume(TOKEN_REQUEST_QUEUE, (message) => message && void this.onRequest(channel, message), {
          noAck: false,
        });
      },
    });
    this.channel.on('error', (error: Error) => this.logger.warn(`Token hand-off channel failed: ${error.message}`));
    this.logger.log(`Answering token requests on '${TOKEN_REQUEST_QUEUE}' (key fingerprint ${this.keys.fingerprint})`);
  }

  private async onRequest(channel: Channel, message: ConsumeMessage): Promise<void> {
    const replyTo = message.properties.replyTo as string | undefined;
    try {
      if (!replyTo || !replyTo.startsWith(DIRECT_REPLY_TO)) {
        handoffMetrics.served.inc({ outcome: 'no_direct_reply_to' });
        this.logger.warn('Dropped a token request without a direct reply-to address');
        return;
      }
      const reply = await this.answer(message);
      channel.sendToQueue(replyTo, Buffer.from(JSON.stringify(reply)), {
        correlationId: message.properties.correlationId as string | undefined,
        contentType: 'application/json',
        persistent: false,
      });
    } catch (error) {
      this.logger.error(`Could not answer a token request: ${describeError(error)}`);
    } finally {
      try {
        channel.ack(message);
      } catch {
        // The channel closed: the request is redelivered or expires, and the client retries after its timeout.
      }
    }
  }

  private async answer(message: ConsumeMessage): Promise<HandoffReply> {
    let body: unknown;
    try {
      body = JSON.parse(message.content.toString('utf8'));
    } catch {
      body = undefined;
    }
    const now = Date.now();
    const check = checkRequest(this.keys, body, now);
    const requestId = check.ok ? check.request.requestId : (check.requestId ?? 'unknown');
    if (!check.ok) {
      handoffMetrics.served.inc({ outcome: check.reason });
      this.logger.warn(
        `Refused token request '${requestId}': ${check.reason} (this service's key fingerprint ${this.keys.fingerprint})`,
      );
      return refusedReply(requestId, 'rejected', check.reason);
    }
    if (!this.remember(requestId, now)) {
      handoffMetrics.served.inc({ outcome: 'replayed' });
      this.logger.warn(`Refused token request '${requestId}': replayed`);
      return refusedReply(requestId, 'rejected', 'replayed');
    }
    const { request } = check;
    return runWithCorrelation({ correlationId: requestId, tenantId: request.tenantId }, async () => {
      let resolution: TokenResolution;
      try {
        resolution = await this.options.resolver.resolve({
          tenantId: request.tenantId,
          connectionId: request.connectionId,
        });
      } catch (error) {
        handoffMetrics.served.inc({ outcome: 'failed' });
        this.logger.error(
          `Token lookup for connection '${request.connectionId}' failed: ${error instanceof Error ? error.name : 'error'}`,
        );
        return refusedReply(requestId, 'failed', 'token lookup failed; retry later');
      }
      if (resolution.status === 'available') {
        handoffMetrics.served.inc({ outcome: 'token' });
        this.logger.debug(
          `Handed the token (fingerprint ${tokenFingerprint(resolution.token)}) of connection '${request.connectionId}' to request '${requestId}'`,
        );
      } else {
        handoffMetrics.served.inc({ outcome: resolution.reason });
        this.logger.log(`No token for connection '${request.connectionId}': ${resolution.reason}`);
      }
      return sealReply(this.keys, request, resolution, now);
    });
  }

  /** False when the request id was already answered within the replay window. */
  private remember(requestId: string, now: number): boolean {
    for (const [id, seenAt] of this.seen) {
      if (now - seenAt <= 2 * REQUEST_MAX_AGE_MS) break;
      this.seen.delete(id);
    }
    if (this.seen.has(requestId)) return false;
    this.seen.set(requestId, now);
    return true;
  }

  public async beforeApplicationShutdown(): Promise<void> {
    await this.channel?.close().catch(() => undefined);
  }
}
