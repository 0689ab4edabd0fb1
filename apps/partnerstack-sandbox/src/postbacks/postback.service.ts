import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';

import { POSTBACK_TEST_PAYLOAD, POSTBACK_TIMEOUT_MS } from '../sandbox.constants';
import type { PostbackBatch } from './postback-events';
import { postbackOrigin } from './postback-url';

export interface PostbackStats {
  /** Calls answered with a 2xx. */
  delivered: number;
  /** Calls that failed: refused, timed out, or answered with another status. */
  failed: number;
  /** Events folded into another call because an advance created more than the per-advance budget. */
  coalesced: number;
  /** Calls scheduled and not yet made. */
  pending: number;
}

export interface PostbackResult {
  delivered: boolean;
  status: number | null;
  error: string | null;
}

/**
 * Calls an agency's postback receiver the way PartnerStack would (§5, §11): fire and forget, JSON, no signature.
 * Calls of one agency go out one at a time and in order, each bounded by POSTBACK_TIMEOUT_MS; a receiver that is
 * down costs a log line, never an error to the admin caller. Redirects are not followed, so a loopback receiver
 * cannot bounce the sandbox to another host.
 */
@Injectable()
export class PostbackService implements OnApplicationShutdown {
  private readonly logger = new Logger(PostbackService.name);
  private readonly stats = new Map<string, PostbackStats>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly shutdown = new AbortController();

  /**
   * Schedules the batch after whatever this agency still has in flight and returns at once; the first call waits
   * for the next turn of the event loop, so the admin answer that caused it has been written first.
   */
  public enqueue(fingerprint: string, url: string, batch: PostbackBatch): void {
    const stats = this.statsEntry(fingerprint);
    stats.coalesced += batch.coalesced;
    if (batch.calls.length === 0) return;
    stats.pending += batch.calls.length;
    const previous = this.queues.get(fingerprint) ?? new Promise<void>((resolve) => setImmediate(resolve));
    const run = previous.then(async () => {
      for (const body of batch.calls) {
        const result = this.shutdown.signal.aborted ? null : await this.send(url, body);
        stats.pending--;
        if (result?.delivered) stats.delivered++;
        else stats.failed++;
      }
    });
    this.queues.set(fingerprint, run);
    void run.finally(() => {
      if (this.queues.get(fingerprint) === run) this.queues.delete(fingerprint);
    });
  }

  /** The dashboard's test button: one call with the documented test payload, awaited. */
  public sendTest(url: string): Promise<PostbackResult> {
    return this.send(url, POSTBACK_TEST_PAYLOAD);
  }

  public statsFor(fingerprint: string): PostbackStats {
    return { ...(this.stats.get(fingerprint) ?? { delivered: 0, failed: 0, coalesced: 0, pending: 0 }) };
  }

  /** Forgets the statistics; calls already scheduled still go out. */
  public resetStats(): void {
    this.stats.clear();
  }

  public onApplicationShutdown(): void {
    this.shutdown.abort();
  }

  private statsEntry(fingerprint: string): PostbackStats {
    let stats = this.stats.get(fingerprint);
    if (!stats) {
      stats = { delivered: 0, failed: 0, coalesced: 0, pending: 0 };
      this.stats.set(fingerprint, stats);
    }
    return stats;
  }

  private async send(url: string, body: unknown): Promise<PostbackResult> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'partnerstack-sandbox-postbacks' },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(POSTBACK_TIMEOUT_MS)]),
      });
      await response.body?.cancel();
      const delivered = response.status >= 200 && response.status < 300;
      if (!delivered) this.logger.warn(`Postback to ${postbackOrigin(url)} answered ${response.status}`);
      return { delivered, status: response.status, error: delivered ? null : `answered ${response.status}` };
    } catch (error) {
      const reason = describeFailure(error);
      this.logger.warn(`Postback to ${postbackOrigin(url)} failed: ${reason}`);
      return { delivered: false, status: null, error: reason };
    }
  }
}

/**
 * The failure's kind and code only: fetch errors can embed the full URL, which may hold a receiver's secret.
 * Duck-typed, because fetch's errors may come from another realm than this module's `Error`.
 */
function describeFailure(error: unknown): string {
  const { name, cause } = (error ?? {}) as { name?: unknown; cause?: { code?: unknown } };
  if (name === 'TimeoutError') return `no answer within ${POSTBACK_TIMEOUT_MS} ms`;
  if (name === 'AbortError') return 'sandbox shutting down';
  if (typeof cause?.code === 'string') return cause.code;
  return typeof name === 'string' ? name : 'unknown error';
}
