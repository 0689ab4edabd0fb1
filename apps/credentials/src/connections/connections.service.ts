import { randomUUID } from 'node:crypto';

import {
  HttpException,
  HttpStatus,
  Injectable,
  Logger,
  NotFoundException,
  ConflictException,
  ServiceUnavailableException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { AuthenticatedUser } from '@pp/auth';
import { MessagePublisher } from '@pp/messaging';
import { currentCorrelationId } from '@pp/observability';
import {
  PartnerStackClient,
  PartnerStackForbiddenError,
  PartnerStackInvalidTokenError,
  PartnerStackRateLimitedError,
} from '@pp/partnerstack-client';
import { tokenFingerprint } from '@pp/token-handoff';

import { AuditRepository } from '../audit/audit.repository';
import {
  PENDING_SYNC_STALE_MS,
  TOKEN_ATTEMPT_WINDOW_SECONDS,
  TOKEN_ATTEMPTS_PER_WINDOW,
  TOKEN_HINT_LENGTH,
} from '../credentials.constants';
import { CredentialsDatabase } from '../database/credentials-database';
import { TokenCipher } from '../encryption/token-cipher';
import { RateLimitRepository } from '../rate-limit/rate-limit.repository';
import { ConnectionRow, ConnectionsRepository } from './connections.repository';
import { IntegrationStatusDto } from './dto/integration-status.dto';

type PendingEvent =
  | {
      key: 'credentials.connection.connected';
      payload: { connectionId: string; actorUserId: string; tokenHint: string; connectedAt: string };
    }
  | {
      key: 'credentials.connection.rotated';
      payload: { connectionId: string; actorUserId: string; tokenHint: string; rotatedAt: string };
    };

/** The settings page's flow: validate, store encrypted, rotate, disconnect, request syncs; all scoped to the caller's org. */
@Injectable()
export class ConnectionsService {
  private readonly logger = new Logger(ConnectionsService.name);
  private readonly syncIntervalMs: number;

  constructor(
    private readonly db: CredentialsDatabase,
    private readonly connections: ConnectionsRepository,
    private readonly audit: AuditRepository,
    private readonly rateLimits: RateLimitRepository,
    private readonly cipher: TokenCipher,
    private readonly partnerStack: PartnerStackClient,
    private readonly publisher: MessagePublisher,
    config: ConfigService,
  ) {
    this.syncIntervalMs = config.getOrThrow<number>('SYNC_INTERVAL_MINUTES') * 60_000;
  }

  public async status(user: AuthenticatedUser): Promise<IntegrationStatusDto> {
    const row = await this.connections.find(user.orgId);
    if (!row) throw new NotFoundException('This organisation has not connected PartnerStack yet; PUT a token first.');
    return this.toStatus(row);
  }

  public async connect(user: AuthenticatedUser, token: string): Promise<IntegrationStatusDto> {
    const now = new Date();
    const verdict = await this.rateLimits.hit({
      tenantId: user.orgId,
      action: 'put-token',
      limit: TOKEN_ATTEMPTS_PER_WINDOW,
      windowSeconds: TOKEN_ATTEMPT_WINDOW_SECONDS,
      now,
    });
    if (!verdict.allowed) {
      throw new HttpException(
        {
          statusCode: HttpStatus.TOO_MANY_REQUESTS,
          message: `Too many token attempts for this organisation; try again in ${verdict.retryAfterSeconds} s.`,
          retryAfterSeconds: verdict.retryAfterSeconds,
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }

    const hint = token.slice(-TOKEN_HINT_LENGTH);
    const fingerprint = tokenFingerprint(token);
    await this.verify(user, token, hint, fingerprint);

    const { row, event, previousStatus } = await this.db.transaction(async (trx) => {
      await this.connections.ensure(user.orgId, randomUUID(), now, trx);
      const current = (await this.connections.findForUpdate(user.orgId, trx))!;
      const reconnect = current.status === 'disconnected';
      const encrypted = this.cipher.encrypt(token, { tenantId: user.orgId, connectionId: current.id });
      await this.connections.storeToken(
        { tenantId: user.orgId, connectionId: current.id, encrypted, hint, now, reconnect },
        trx,
      );
      await this.audit.record(
        {
          tenantId: user.orgId,
          connectionId: current.id,
          action: reconnect ? 'connected' : 'rotated',
          actorUserId: user.userId,
          tokenHint: hint,
          correlationId: currentCorrelationId(),
          occurredAt: now,
        },
        trx,
      );
      const pending: PendingEvent = reconnect
        ? {
            key: 'credentials.connection.connected',
            payload: {
              connectionId: current.id,
              actorUserId: user.userId,
              tokenHint: hint,
              connectedAt: now.toISOString(),
            },
          }
        : {
            key: 'credentials.connection.rotated',
            payload: {
              connectionId: current.id,
              actorUserId: user.userId,
              tokenHint: hint,
              rotatedAt: now.toISOString(),
            },
          };
      return {
        row: (await this.connections.find(user.orgId, trx))!,
        event: pending,
        previousStatus: current.status,
      };
    });

    await this.publisher.publish(event.key, event.payload, { tenantId: user.orgId });
    if (previousStatus === 'invalid') {
      await this.publisher.publish(
        'credentials.connection.status-changed',
        {
          connectionId: row.id,
          actorUserId: user.userId,
          status: 'connected',
          reason: 'a new token was stored',
          changedAt: now.toISOString(),
        },
        { tenantId: user.orgId },
      );
    }
    this.logger.log(
      `Stored PartnerStack token (fingerprint ${fingerprint}) of connection '${row.id}': ${event.key.split('.').pop()}`,
    );
    return this.toStatus(row);
  }

  public async disconnect(user: AuthenticatedUser): Promise<void> {
    const now = new Date();
    const disconnected = await this.db.transaction(async (trx) => {
      const current = await this.connections.findForUpdate(user.orgId, trx);
      if (!current)
        throw new NotFoundException('This organisation has not connected PartnerStack; nothing to disconnect.');
      if (current.status === 'disconnected') return undefined;
      await this.connections.destroyToken(user.orgId, current.id, now, trx);
      await this.audit.record(
        {
          tenantId: user.orgId,
          connectionId: current.id,
          action: 'disconnected',
          actorUserId: user.userId,
          tokenHint: current.tokenHint,
          correlationId: currentCorrelationId(),
          occurredAt: now,
        },
        trx,
      );
      return current;
    });
    if (!disconnected) return;
    await this.publisher.publish(
      'credentials.connection.disconnected',
      { connectionId: disconnected.id, actorUserId: user.userId, disconnectedAt: now.toISOString() },
      { tenantId: user.orgId },
    );
    this.logger.log(`Disconnected connection '${disconnected.id}' and destroyed its token`);
  }

  /** A sync now, unless one is running or was just requested: then that run's id. */
  public async requestSync(user: AuthenticatedUser): Promise<{ syncRunId: string }> {
    const now = new Date();
    const outcome = await this.db.transaction(async (trx) => {
      const current = await this.connections.findForUpdate(user.orgId, trx);
      if (!current)
        throw new NotFoundException('This organisation has not connected PartnerStack yet; PUT a token first.');
      if (current.status !== 'connected') {
        throw new ConflictException(
          current.status === 'invalid'
            ? 'PartnerStack rejected the stored token; PUT a new token before syncing.'
            : 'PartnerStack is disconnected; PUT a token before syncing.',
        );
      }
      if (current.runningSyncRunId)
        return { syncRunId: current.runningSyncRunId, connectionId: current.id, fresh: false };
      const pendingFresh =
        current.pendingSyncRunId &&
        current.pendingSyncRequestedAt &&
        now.getTime() - current.pendingSyncRequestedAt.getTime() < PENDING_SYNC_STALE_MS;
      if (pendingFresh) return { syncRunId: current.pendingSyncRunId!, connectionId: current.id, fresh: false };
      const syncRunId = randomUUID();
      await this.connections.setPendingSync(user.orgId, current.id, syncRunId, now, trx);
      await this.audit.record(
        {
          tenantId: user.orgId,
          connectionId: current.id,
          action: 'sync-requested',
          actorUserId: user.userId,
          detail: `sync run ${syncRunId}`,
          correlationId: currentCorrelationId(),
          occurredAt: now,
        },
        trx,
      );
      return { syncRunId, connectionId: current.id, fresh: true };
    });
    if (outcome.fresh) {
      await this.publisher.publish(
        'sync.requested',
        { connectionId: outcome.connectionId, syncRunId: outcome.syncRunId, reason: 'manual', mode: 'incremental' },
        { tenantId: user.orgId },
      );
    }
    return { syncRunId: outcome.syncRunId };
  }

  private async verify(user: AuthenticatedUser, token: string, hint: string, fingerprint: string): Promise<void> {
    try {
      await this.partnerStack.verifyToken(token);
    } catch (error) {
      if (error instanceof PartnerStackInvalidTokenError || error instanceof PartnerStackForbiddenError) {
        this.logger.warn(`PartnerStack rejected a token (fingerprint ${fingerprint}) for org '${user.orgId}'`);
        const existing = await this.connections.find(user.orgId);
        if (existing) {
          await this.audit.record({
            tenantId: user.orgId,
            connectionId: existing.id,
            action: 'token-rejected',
            actorUserId: user.userId,
            tokenHint: hint,
            detail:
              error instanceof PartnerStackInvalidTokenError
                ? 'PartnerStack answered 401'
                : 'PartnerStack answered 403',
            correlationId: currentCorrelationId(),
            occurredAt: new Date(),
          });
        }
        throw new UnprocessableEntityException(
          error instanceof PartnerStackInvalidTokenError
            ? 'PartnerStack rejected this token (401). Copy the API key again from PartnerStack and retry; nothing was stored.'
            : 'PartnerStack accepted the token but refused access with it (403). Use a key with access to the partner API; nothing was stored.',
        );
      }
      const reason =
        error instanceof PartnerStackRateLimitedError ? 'rate-limited us' : 'could not be reached or failed';
      this.logger.warn(
        `Could not validate a token with PartnerStack: ${error instanceof Error ? error.name : 'error'}`,
      );
      throw new ServiceUnavailableException(
        `PartnerStack ${reason} while validating the token; nothing was stored. Try again in a minute.`,
      );
    }
  }

  private toStatus(row: ConnectionRow): IntegrationStatusDto {
    const iso = (value: Date | null) => (value ? value.toISOString() : null);
    const lastSync =
      row.lastSyncRunId && row.lastSyncStatus && row.lastSyncStartedAt
        ? {
            id: row.lastSyncRunId,
            status: row.lastSyncStatus,
            startedAt: row.lastSyncStartedAt.toISOString(),
            finishedAt: iso(row.lastSyncFinishedAt),
            recordsFetched: row.lastSyncRecordsFetched,
            error: row.lastSyncError,
          }
        : null;
    return {
      provider: 'partnerstack',
      status: row.status,
      tokenHint: row.tokenHint,
      connectedAt: row.connectedAt.toISOString(),
      lastValidatedAt: iso(row.lastValidatedAt),
      lastSync,
      nextSyncAt: iso(this.nextSyncAt(row)),
      statusReason: row.statusReason,
    };
  }

  /** What sync reported; until it reports, one interval after the last start (a first sync starts at connect). */
  private nextSyncAt(row: ConnectionRow): Date | null {
    if (row.status !== 'connected') return null;
    if (row.nextSyncAt) return row.nextSyncAt;
    if (row.runningSyncRunId || row.pendingSyncRunId) return null;
    const base = row.lastSyncStartedAt ?? row.tokenStoredAt;
    return base ? new Date(base.getTime() + this.syncIntervalMs) : null;
  }
}
