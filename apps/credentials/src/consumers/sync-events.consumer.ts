import { EntityManager } from '@mikro-orm/postgresql';
import { Controller, Logger } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';

import { MessageOf } from '@pp/contracts';
import { MessagePublisher } from '@pp/messaging';

import { AuditRepository } from '../audit/audit.repository';
import { ConnectionsRepository } from '../connections/connections.repository';
import { SyncRequestsRepository } from '../sync-requests/sync-requests.repository';

/**
 * Last sync run and the requests it settles, as sync reports them (never read from sync's tables). Each event is
 * applied under the connection's row lock, so a merge and its target's outcome never pass each other unseen.
 */
@Controller()
export class SyncRunStartedConsumer {
  constructor(
    private readonly em: EntityManager,
    private readonly connections: ConnectionsRepository,
    private readonly requests: SyncRequestsRepository,
  ) {}

  @EventPattern('sync.run.started')
  public async handle(message: MessageOf<'sync.run.started'>): Promise<void> {
    const { connectionId, syncRunId, startedAt } = message.payload;
    const { tenantId } = message;
    await this.em.transactional(async (em) => {
      if (!(await this.connections.lockById(tenantId, connectionId, em))) return;
      await this.connections.recordRunStarted(
        { tenantId, connectionId, syncRunId, startedAt: new Date(startedAt) },
        em,
      );
      await this.requests.runStarted({ tenantId, connectionId, runId: syncRunId }, em);
      await this.connections.clearSettledPending(tenantId, connectionId, em);
    });
  }
}

@Controller()
export class SyncRunFinishedConsumer {
  constructor(
    private readonly em: EntityManager,
    private readonly connections: ConnectionsRepository,
    private readonly requests: SyncRequestsRepository,
  ) {}

  @EventPattern('sync.run.finished')
  public async handle(message: MessageOf<'sync.run.finished'>): Promise<void> {
    const { payload, tenantId } = message;
    const { connectionId } = payload;
    const finishedAt = new Date(payload.finishedAt);
    await this.em.transactional(async (em) => {
      const current = await this.connections.lockById(tenantId, connectionId, em);
      if (!current) return;
      await this.connections.recordRunFinished(
        {
          tenantId,
          connectionId,
          syncRunId: payload.syncRunId,
          status: payload.status,
          startedAt: new Date(payload.startedAt),
          finishedAt,
          recordsFetched: payload.recordsFetched,
          error: payload.error,
          nextSyncAt: payload.nextSyncAt ? new Date(payload.nextSyncAt) : null,
        },
        em,
      );
      if (payload.freshness)
        await this.connections.recordFreshness(
          { tenantId, connectionId, finishedAt, freshness: payload.freshness },
          current,
          em,
        );
      await this.requests.runFinished(
        { tenantId, connectionId, runId: payload.syncRunId, status: payload.status, finishedAt },
        em,
      );
      await this.connections.clearSettledPending(tenantId, connectionId, em);
    });
  }
}

/** A requested id folded into a queued run: it now shares that run's outcome (known already, or still to come). */
@Controller()
export class SyncRunMergedConsumer {
  constructor(
    private readonly em: EntityManager,
    private readonly connections: ConnectionsRepository,
    private readonly requests: SyncRequestsRepository,
  ) {}

  @EventPattern('sync.run.merged')
  public async handle(message: MessageOf<'sync.run.merged'>): Promise<void> {
    const { connectionId, syncRunId, mergedIntoSyncRunId } = message.payload;
    const { tenantId } = message;
    await this.em.transactional(async (em) => {
      if (!(await this.connections.lockById(tenantId, connectionId, em))) return;
      await this.requests.merged({ tenantId, connectionId, runId: syncRunId, intoRunId: mergedIntoSyncRunId }, em);
      await this.connections.clearSettledPending(tenantId, connectionId, em);
    });
  }
}

/** What the running sync has read so far, for the settings page's progress bar. */
@Controller()
export class SyncRunProgressConsumer {
  constructor(private readonly connections: ConnectionsRepository) {}

  @EventPattern('sync.run.progress')
  public async handle(message: MessageOf<'sync.run.progress'>): Promise<void> {
    const { connectionId, syncRunId, reportedAt, streams } = message.payload;
    await this.connections.recordProgress({
      tenantId: message.tenantId,
      connectionId,
      syncRunId,
      reportedAt: new Date(reportedAt),
      streams,
    });
  }
}

/** PartnerStack answered 401 to a sync: the agency revoked the token; syncs pause until a new one is PUT. */
@Controller()
export class SyncConnectionInvalidConsumer {
  private readonly logger = new Logger(SyncConnectionInvalidConsumer.name);

  constructor(
    private readonly connections: ConnectionsRepository,
    private readonly audit: AuditRepository,
    private readonly publisher: MessagePublisher,
  ) {}

  @EventPattern('sync.connection.invalid')
  public async handle(message: MessageOf<'sync.connection.invalid'>): Promise<void> {
    const { connectionId, reason, detectedAt } = message.payload;
    const detected = new Date(detectedAt);
    const changed = await this.connections.markInvalid({
      tenantId: message.tenantId,
      connectionId,
      reason,
      detectedAt: detected,
    });
    const current = await this.connections.findById(message.tenantId, connectionId);
    // A redelivery after a failed publish finds the status already changed by this very event and publishes again.
    const ours = current?.status === 'invalid' && current.statusChangedAt.getTime() === detected.getTime();
    if (!ours) return;
    if (changed)
      await this.audit.record({
        tenantId: message.tenantId,
        connectionId,
        action: 'status-changed',
        actorUserId: null,
        detail: `invalid: ${reason}`.slice(0, 500),
        correlationId: message.correlationId,
        occurredAt: detected,
      });
    await this.publisher.publish(
      'credentials.connection.status-changed',
      { connectionId, actorUserId: null, status: 'invalid', reason, changedAt: detected.toISOString() },
      { tenantId: message.tenantId, correlationId: message.correlationId },
    );
    this.logger.warn(`Connection '${connectionId}' is invalid: ${reason}`);
  }
}
