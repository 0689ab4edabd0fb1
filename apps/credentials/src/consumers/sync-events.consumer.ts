import { Injectable, Logger } from '@nestjs/common';

import { MessageOf } from '@pp/contracts';
import { MessagePublisher, OnMessage } from '@pp/messaging';

import { AuditRepository } from '../audit/audit.repository';
import { ConnectionsRepository } from '../connections/connections.repository';

/** Last sync run, as sync reports it (never read from sync's tables). */
@Injectable()
export class SyncRunStartedConsumer {
  constructor(private readonly connections: ConnectionsRepository) {}

  @OnMessage('sync.run.started')
  public async handle(message: MessageOf<'sync.run.started'>): Promise<void> {
    const { connectionId, syncRunId, startedAt } = message.payload;
    await this.connections.recordRunStarted({
      tenantId: message.tenantId,
      connectionId,
      syncRunId,
      startedAt: new Date(startedAt),
    });
  }
}

@Injectable()
export class SyncRunFinishedConsumer {
  constructor(private readonly connections: ConnectionsRepository) {}

  @OnMessage('sync.run.finished')
  public async handle(message: MessageOf<'sync.run.finished'>): Promise<void> {
    const { payload } = message;
    await this.connections.recordRunFinished({
      tenantId: message.tenantId,
      connectionId: payload.connectionId,
      syncRunId: payload.syncRunId,
      status: payload.status,
      startedAt: new Date(payload.startedAt),
      finishedAt: new Date(payload.finishedAt),
      recordsFetched: payload.recordsFetched,
      error: payload.error,
      nextSyncAt: payload.nextSyncAt ? new Date(payload.nextSyncAt) : null,
    });
  }
}

/** PartnerStack answered 401 to a sync: the agency revoked the token; syncs pause until a new one is PUT. */
@Injectable()
export class SyncConnectionInvalidConsumer {
  private readonly logger = new Logger(SyncConnectionInvalidConsumer.name);

  constructor(
    private readonly connections: ConnectionsRepository,
    private readonly audit: AuditRepository,
    private readonly publisher: MessagePublisher,
  ) {}

  @OnMessage('sync.connection.invalid')
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
