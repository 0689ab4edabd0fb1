import { Inject, Injectable, Logger, BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import { KeyObject } from 'node:crypto';

import { QUEUES_EXCHANGE } from '@pp/contracts';
import { AmqpConnection } from '@pp/messaging';

import { DEFAULT_FETCH_TIMEOUT_MS, DIRECT_REPLY_TO, TOKEN_REQUEST_QUEUE } from './token-handoff.constants';
import { TokenHandoffTransientError, TokenUnavailableError } from './token-handoff.errors';
import { deriveHandoffKeys, HandoffKeys } from './token-handoff.key';
import { handoffMetrics } from './token-handoff.metrics';
import { createRequest, HandoffRequest, openReply, parseReply, ReplyOpenError } from './token-handoff.protocol';

export interface TokenHandoffClientOptions {
  /** TOKEN_HANDOFF_KEY (base64, 32 bytes); the same value the credentials service runs with. */
  key: string;
  /** Upper bound of one fetch, including a broker that is down; default 5 s. */
  timeoutMs?: number;
}

export const TOKEN_HANDOFF_CLIENT_OPTIONS = Symbol('TOKEN_HANDOFF_CLIENT_OPTIONS');

export interface TokenRequestTarget {
  tenantId: string;
  connectionId: string;
}

interface Pending {
  request: HandoffRequest;
  privateKey: KeyObject;
  /** Written to a channel: its reply can only arrive on that channel. */
  sent: boolean;
  resolve: (token: string) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Fetches a connection's PartnerStack token from the credentials service over RabbitMQ request/reply.
 * The token exists in this process only as the resolved string; callers should keep it in memory for as
 * long as they need it and never log, persist or publish it.
 */
@Injectable()
export class TokenHandoffClient implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(TokenHandoffClient.name);
  private readonly keys: HandoffKeys;
  private readonly timeoutMs: number;
  private readonly pending = new Map<string, Pending>();
  private channel?: ChannelWrapper;

  constructor(
    @Inject(TOKEN_HANDOFF_CLIENT_OPTIONS) options: TokenHandoffClientOptions,
    private readonly connection: AmqpConnection,
  ) {
    this.keys = deriveHandoffKeys(options.key);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  }

  public onModuleInit(): void {
    this.channel = this.connection.manager.createChannel({
      name: 'token-handoff-client',
      json: false,
      confirm: false,
      setup: async (channel: Channel) => {
        // Replies to requests sent on a previous channel can no longer arrive; fail them now instead of at timeout.
        this.failAll('the broker connection was re-established while waiting for the credentials service', {
          sentOnly: true,
        });
        channel.on('return', (message: ConsumeMessage) =>
          this.settle(message.properties.correlationId as string | undefined, {
            error: new TokenHandoffTransientError(
              `No credentials service is listening on '${TOKEN_REQUEST_QUEUE}'; is it running?`,
            ),
          }),
        );
        // Publishing to an exchange that does not exist would close the channel; a request the credentials
        // service is not bound for comes back through 'return' instead.
        await channel.assertExchange(QUEUES_EXCHANGE, 'topic', { durable: true });
        await channel.consume(DIRECT_REPLY_TO, (message) => message && this.onReply(message), { noAck: true });
      },
    });
    this.channel.on('error', (error: Error) => this.logger.warn(`Token hand-off channel failed: ${error.message}`));
    this.logger.log(`Token hand-off client ready (key fingerprint ${this.keys.fingerprint})`);
  }

  /**
   * Resolves with the token, or rejects with TokenUnavailableError (disconnected, invalid or unknown connection)
   * or TokenHandoffTransientError (credentials service unreachable, too slow, or refusing the request).
   */
  public fetchToken(target: TokenRequestTarget): Promise<string> {
    const channel = this.channel;
    if (!channel) return Promise.reject(new TokenHandoffTransientError('The token hand-off client is not started'));
    const { request, privateKey } = createRequest(this.keys, target);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.settle(request.requestId, {
            error: new TokenHandoffTransientError(
              `The credentials service did not answer a token request within ${this.timeoutMs} ms`,
            ),
          }),
        this.timeoutMs,
      );
      const pending: Pending = { request, privateKey, sent: false, resolve, reject, timer };
      this.pending.set(request.requestId, pending);
      channel
        .publish(QUEUES_EXCHANGE, TOKEN_REQUEST_QUEUE, Buffer.from(JSON.stringify(request)), {
          replyTo: DIRECT_REPLY_TO,
          correlationId: request.requestId,
          contentType: 'application/json',
          persistent: false,
          mandatory: true,
          // Dropped by the broker when nobody took it in time, so a late credentials service never answers it.
          expiration: String(this.timeoutMs),
          timeout: this.timeoutMs,
        })
        .then(() => {
          pending.sent = true;
        })
        .catch((error: Error) =>
          this.settle(request.requestId, {
            error: new TokenHandoffTransientError(`Could not send a token request: ${error.message}`),
          }),
        );
    });
  }

  private onReply(message: ConsumeMessage): void {
    const requestId = message.properties.correlationId as string | undefined;
    const pending = requestId ? this.pending.get(requestId) : undefined;
    if (!pending) return;
    let body: unknown;
    try {
      body = JSON.parse(message.content.toString('utf8'));
    } catch {
      body = undefined;
    }
    const reply = parseReply(body);
    if (!reply || reply.requestId !== requestId) {
      this.settle(requestId, {
        error: new TokenHandoffTransientError('The credentials service sent a malformed reply'),
      });
      return;
    }
    if (reply.outcome !== 'sealed') {
      const hint = reply.reason === 'unauthenticated' ? '; check that TOKEN_HANDOFF_KEY matches on both services' : '';
      this.settle(requestId, {
        error: new TokenHandoffTransientError(
          `The credentials service ${reply.outcome} the request: ${reply.reason}${hint}`,
        ),
      });
      return;
    }
    try {
      const resolution = openReply(this.keys, pending.request, pending.privateKey, reply);
      if (resolution.status === 'available') this.settle(requestId, { token: resolution.token });
      else
        this.settle(requestId, { error: new TokenUnavailableError(resolution.reason, pending.request.connectionId) });
    } catch (error) {
      const reason = error instanceof ReplyOpenError ? error.message : 'reply could not be opened';
      this.settle(requestId, { error: new TokenHandoffTransientError(`Refused a token reply: ${reason}`) });
    }
  }

  private settle(requestId: string | undefined, outcome: { token: string } | { error: Error }): void {
    const pending = requestId ? this.pending.get(requestId) : undefined;
    if (!pending || !requestId) return;
    this.pending.delete(requestId);
    clearTimeout(pending.timer);
    if ('token' in outcome) {
      handoffMetrics.fetched.inc({ outcome: 'token' });
      pending.resolve(outcome.token);
    } else {
      handoffMetrics.fetched.inc({
        outcome: outcome.error instanceof TokenUnavailableError ? outcome.error.reason : 'transient',
      });
      pending.reject(outcome.error);
    }
  }

  private failAll(reason: string, { sentOnly = false } = {}): void {
    for (const [requestId, pending] of [...this.pending]) {
      if (sentOnly && !pending.sent) continue;
      this.settle(requestId, { error: new TokenHandoffTransientError(`Token request lost: ${reason}`) });
    }
  }

  public async beforeApplicationShutdown(): Promise<void> {
    this.failAll('the service is shutting down');
    await this.channel?.close().catch(() => undefined);
  }
}
