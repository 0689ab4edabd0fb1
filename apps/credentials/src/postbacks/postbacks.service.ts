import { randomUUID } from 'node:crypto';

import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { MessagePublisher } from '@pp/messaging';

import { ConnectionsRepository } from '../connections/connections.repository';
import { POSTBACK_CALLS_PER_MINUTE } from '../credentials.constants';
import { RateLimitRepository } from '../rate-limit/rate-limit.repository';
import { RetryLaterException } from '@pp/observability';
import { SyncRequestsRepository } from '../sync-requests/sync-requests.repository';
import { PostbackSecretsService } from './postback-secrets.service';

/**
 * A postback is an unauthenticated hint that something changed (PartnerStack signs nothing): it only ever leads to
 * an incremental sync of the URL's org, at most one a debounce window; postbacks inside the window are folded into
 * one trailing sync at its end (published by PostbackDebounceJob).
 */
@Injectable()
export class PostbacksService {
  private readonly logger = new Logger(PostbacksService.name);
  private readonly debounceMs: number;

  constructor(
    private readonly em: EntityManager,
    private readonly secrets: PostbackSecretsService,
    private readonly connections: ConnectionsRepository,
    private readonly requests: SyncRequestsRepository,
    private readonly rateLimits: RateLimitRepository,
    private readonly publisher: MessagePublisher,
    config: ConfigService,
  ) {
    this.debounceMs = config.getOrThrow<number>('POSTBACK_DEBOUNCE_SECONDS') * 1000;
  }

  public async receive(secret: string): Promise<void> {
    const owner = await this.secrets.ownerOf(secret);
    if (!owner) throw new NotFoundException('Unknown postback URL.');
    const now = new Date();
    const verdict = await this.rateLimits.hit({
      tenantId: owner.tenantId,
      action: 'postback',
      limit: POSTBACK_CALLS_PER_MINUTE,
      windowSeconds: 60,
      now,
    });
    if (!verdict.allowed)
      throw new RetryLaterException(
        `Too many postbacks for this URL; try again in ${verdict.retryAfterSeconds} s.`,
        verdict.retryAfterSeconds,
        new Date(now.getTime() + verdict.retryAfterSeconds * 1000),
      );
    const outcome = await this.em.transactional(async (em): Promise<{ syncRunId?: string; note: string }> => {
      const current = await this.connections.lockById(owner.tenantId, owner.connectionId, em);
      if (current?.status !== 'connected') return { note: `ignored, the connection is ${current?.status}` };
      const last = current.postbackSyncRequestedAt;
      if (last && now.getTime() - last.getTime() < this.debounceMs) {
        if (!current.postbackSyncDueAt)
          await this.connections.setPostbackSyncDue(
            owner.tenantId,
            owner.connectionId,
            new Date(last.getTime() + this.debounceMs),
            em,
          );
        return { note: 'folded into the trailing postback sync' };
      }
      const syncRunId = await this.requestSync(owner, now, em);
      return { syncRunId, note: `sync run '${syncRunId}' requested` };
    });
    this.logger.log(`Postback for org '${owner.tenantId}': ${outcome.note}`);
    if (outcome.syncRunId) await this.publish(owner, outcome.syncRunId);
  }

  /** Every connection whose trailing sync is due, each taken under a skipped-if-locked row lock (safe across replicas). */
  public async publishDue(batch: number): Promise<number> {
    const now = new Date();
    const taken = await this.em.transactional(async (em) => {
      const due = await this.connections.lockPostbackSyncsDue(now, batch, em);
      const requested: { tenantId: string; connectionId: string; syncRunId: string }[] = [];
      for (const owner of due) requested.push({ ...owner, syncRunId: await this.requestSync(owner, now, em) });
      return requested;
    });
    for (const { syncRunId, ...owner } of taken) {
      await this.publish(owner, syncRunId);
      this.logger.log(`Trailing postback sync run '${syncRunId}' requested for org '${owner.tenantId}'`);
    }
    return taken.length;
  }

  private async requestSync(
    owner: { tenantId: string; connectionId: string },
    now: Date,
    em: EntityManager,
  ): Promise<string> {
    const syncRunId = randomUUID();
    await this.requests.create(
      { id: syncRunId, ...owner, mode: 'incremental', reason: 'postback', requestedAt: now },
      em,
    );
    await this.connections.setPendingSync(owner.tenantId, owner.connectionId, syncRunId, now, em);
    await this.connections.markPostbackSyncRequested(owner.tenantId, owner.connectionId, now, em);
    return syncRunId;
  }

  private async publish(owner: { tenantId: string; connectionId: string }, syncRunId: string): Promise<void> {
    await this.publisher.publish(
      'sync.requested',
      { connectionId: owner.connectionId, syncRunId, reason: 'postback', mode: 'incremental' },
      { tenantId: owner.tenantId },
    );
  }
}
