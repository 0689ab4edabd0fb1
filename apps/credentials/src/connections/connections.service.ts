import { randomUUID } from 'node:crypto';

import { EntityManager } from '@mikro-orm/postgresql';
import {
  Injectable,
  Logger,
  NotFoundException,
  ConflictException,
  ServiceUnavailableException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { ADMIN_ROLE, AuthenticatedUser } from '@pp/auth';
import { MessagePublisher } from '@pp/messaging';
import { currentCorrelationId, RetryLaterException } from '@pp/observability';
import {
  PartnerStackClient,
  PartnerStackForbiddenError,
  PartnerStackInvalidTokenError,
  PartnerStackRateLimitedError,
} from '@pp/partnerstack-client';
import { tokenFingerprint } from '@pp/token-handoff';

import { AuditRepository } from '../audit/audit.repository';
import {
  FULL_SYNC_COOLDOWN_SECONDS,
  PENDING_SYNC_STALE_MS,
  TOKEN_ATTEMPT_WINDOW_SECONDS,
  TOKEN_ATTEMPTS_PER_WINDOW,
  TOKEN_HINT_LENGTH,
} from '../credentials.constants';
import { TokenCipher } from '../encryption/token-cipher';
import { PostbackSecretsService } from '../postbacks/postback-secrets.service';
import { RateLimitRepository } from '../rate-limit/rate-limit.repository';
import { SyncMode } from '../sync-requests/sync-request.entity';
import { SyncRequestsRepository } from '../sync-requests/sync-requests.repository';
import { Connection } from './connection.entity';
import { ConnectionsRepository } from './connections.repository';
import { IntegrationStatusDto } from './dto/integration-status.dto';

type PendingEvent =
  | {
      key: 'credentials.connection.connected';
      payload: {
        connectionId: string;
        actorUserId: string;
        tokenHint: string;
        connectedAt: string;
        syncRunId: string;
      };
    }
  | {
      key: 'credentials.connection.rotated';
      payload: { connectionId: string; actorUserId: string; tokenHint: string; rotatedAt: string; syncRunId: string };
    };

/** The settings page's flow: validate, store encrypted, rotate, disconnect, request syncs; all scoped to the caller's org. */
@Injectable()
export class ConnectionsService {
  private readonly logger = new Logger(ConnectionsService.name);
  private readonly syncIntervalMs: number;

  constructor(
    private readonly em: EntityManager,
    private readonly connections: ConnectionsRepository,
    private readonly audit: AuditRepository,
    private readonly rateLimits: RateLimitRepository,
    private readonly requests: SyncRequestsRepository,
    private readonly postbackSecrets: PostbackSecretsService,
    private readonly cipher: TokenCipher,
    private readonly partnerStack: PartnerStackClient,
    private readonly publisher: MessagePublisher,
    config: ConfigService,
  ) {
    this.syncIntervalMs = config.getOrThrow<number>('SYNC_INTERVAL_MINUTES') * 60_000;
  }

  public async status(user: AuthenticatedUser, syncRunId?: string): Promise<IntegrationStatusDto> {
    const row = await this.connections.find(user.orgId);
    if (!row) throw new NotFoundException('This organisation has not connected PartnerStack yet; PUT a token first.');
    return this.toStatus(row, user, syncRunId);
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
      throw new RetryLaterException(
        `Too many token attempts for this organisation; try again in ${verdict.retryAfterSeconds} s.`,
        verdict.retryAfterSeconds,
        new Date(now.getTime() + verdict.retryAfterSeconds * 1000),
      );
    }

    const hint = token.slice(-TOKEN_HINT_LENGTH);
    const fingerprint = tokenFingerprint(token);
    await this.verify(user, token, hint, fingerprint);

    const { row, event, previousStatus } = await this.em.transactional(async (em) => {
      await this.connections.ensure(user.orgId, randomUUID(), now, em);
      const current = (await this.connections.findForUpdate(user.orgId, em))!;
      // Read before the re-read below refreshes this same (identity-mapped) entity.
      const previousStatus = current.status;
      const reconnect = previousStatus === 'disconnected';
      const encrypted = this.cipher.encrypt(token, { tenantId: user.orgId, connectionId: current.id });
      await this.connections.storeToken(
        { tenantId: user.orgId, connectionId: current.id, encrypted, hint, now, reconnect },
        em,
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
        em,
      );
      // Credentials picks the first run's id, so a POST /sync right after answers a run that really happens.
      const syncRunId = randomUUID();
      await this.requests.create(
        {
          id: syncRunId,
          tenantId: user.orgId,
          connectionId: current.id,
          mode: 'incremental',
          reason: reconnect ? 'connected' : 'rotated',
          requestedAt: now,
        },
        em,
      );
      await this.connections.setPendingSync(user.orgId, current.id, syncRunId, now, em);
      if (await this.postbackSecrets.ensure({ tenantId: user.orgId, connectionId: current.id }, em))
        await this.audit.record(
          {
            tenantId: user.orgId,
            connectionId: current.id,
            action: 'postback-url-created',
            actorUserId: user.userId,
            correlationId: currentCorrelationId(),
            occurredAt: now,
          },
          em,
        );
      const pending: PendingEvent = reconnect
        ? {
            key: 'credentials.connection.connected',
            payload: {
              connectionId: current.id,
              actorUserId: user.userId,
              tokenHint: hint,
              connectedAt: now.toISOString(),
              syncRunId,
            },
          }
        : {
            key: 'credentials.connection.rotated',
            payload: {
              connectionId: current.id,
              actorUserId: user.userId,
              tokenHint: hint,
              rotatedAt: now.toISOString(),
              syncRunId,
            },
          };
      return {
        row: (await this.connections.find(user.orgId, em))!,
        event: pending,
        previousStatus,
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
    return this.toStatus(row, user);
  }

  public async disconnect(user: AuthenticatedUser): Promise<void> {
    const now = new Date();
    const disconnected = await this.em.transactional(async (em) => {
      const current = await this.connections.findForUpdate(user.orgId, em);
      if (!current)
        throw new NotFoundException('This organisation has not connected PartnerStack; nothing to disconnect.');
      if (current.status === 'disconnected') return undefined;
      await this.connections.destroyToken(user.orgId, current.id, now, em);
      await this.requests.failOpen(user.orgId, current.id, now, em);
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
        em,
      );
      if (await this.postbackSecrets.revoke({ tenantId: user.orgId, connectionId: current.id }, em))
        await this.audit.record(
          {
            tenantId: user.orgId,
            connectionId: current.id,
            action: 'postback-url-revoked',
            actorUserId: user.userId,
            detail: 'disconnected',
            correlationId: currentCorrelationId(),
            occurredAt: now,
          },
          em,
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

  /**
   * Incremental: a sync now, unless one is running or was just requested (then that run's id). Full: at most one an
   * hour, and always published (sync upgrades a queued run or follows the running one with a full run), under a
   * new id unless a full request is still pending.
   */
  public async requestSync(user: AuthenticatedUser, mode: SyncMode = 'incremental'): Promise<{ syncRunId: string }> {
    const now = new Date();
    const outcome = await this.em.transactional(async (em) => {
      const current = await this.connections.findForUpdate(user.orgId, em);
      if (!current)
        throw new NotFoundException('This organisation has not connected PartnerStack yet; PUT a token first.');
      if (current.status !== 'connected') {
        throw new ConflictException(
          current.status === 'invalid'
            ? 'PartnerStack rejected the stored token; PUT a new token before syncing.'
            : 'PartnerStack is disconnected; PUT a token before syncing.',
        );
      }
      const staleBefore = new Date(now.getTime() - PENDING_SYNC_STALE_MS);
      if (mode === 'full') {
        const pendingFull = await this.requests.pendingFull(user.orgId, current.id, staleBefore, em);
        if (pendingFull) return { syncRunId: pendingFull.id, connectionId: current.id, fresh: false };
        const verdict = await this.rateLimits.cooldown(
          { tenantId: user.orgId, action: 'full-sync', intervalSeconds: FULL_SYNC_COOLDOWN_SECONDS, now },
          em,
        );
        if (!verdict.allowed)
          throw new RetryLaterException(
            `A full sync runs at most once an hour per organisation; the next one can be requested at ${verdict.allowedAgainAt.toISOString()}.`,
            verdict.retryAfterSeconds,
            verdict.allowedAgainAt,
          );
      } else {
        if (current.runningSyncRunId)
          return { syncRunId: current.runningSyncRunId, connectionId: current.id, fresh: false };
        if (current.pendingSyncRunId && current.pendingSyncRequestedAt && current.pendingSyncRequestedAt > staleBefore)
          return { syncRunId: current.pendingSyncRunId, connectionId: current.id, fresh: false };
      }
      const syncRunId = randomUUID();
      await this.requests.create(
        { id: syncRunId, tenantId: user.orgId, connectionId: current.id, mode, reason: 'manual', requestedAt: now },
        em,
      );
      await this.connections.setPendingSync(user.orgId, current.id, syncRunId, now, em);
      await this.audit.record(
        {
          tenantId: user.orgId,
          connectionId: current.id,
          action: 'sync-requested',
          actorUserId: user.userId,
          detail: `${mode} sync run ${syncRunId}`,
          correlationId: currentCorrelationId(),
          occurredAt: now,
        },
        em,
      );
      return { syncRunId, connectionId: current.id, fresh: true };
    });
    if (outcome.fresh) {
      await this.publisher.publish(
        'sync.requested',
        { connectionId: outcome.connectionId, syncRunId: outcome.syncRunId, reason: 'manual', mode },
        { tenantId: user.orgId },
      );
    }
    return { syncRunId: outcome.syncRunId };
  }

  /** A new postback URL; the old one stops matching at commit (PartnerStack must be given the new one). */
  public async rotatePostbackUrl(user: AuthenticatedUser): Promise<{ postbackUrl: string }> {
    const now = new Date();
    const owner = await this.em.transactional(async (em) => {
      const current = await this.connections.findForUpdate(user.orgId, em);
      if (!current)
        throw new NotFoundException('This organisation has not connected PartnerStack yet; PUT a token first.');
      if (current.status === 'disconnected')
        throw new ConflictException('PartnerStack is disconnected; PUT a token to get a postback URL.');
      const connectionOwner = { tenantId: user.orgId, connectionId: current.id };
      await this.postbackSecrets.issue(connectionOwner, em);
      await this.audit.record(
        {
          tenantId: user.orgId,
          connectionId: current.id,
          action: 'postback-url-rotated',
          actorUserId: user.userId,
          correlationId: currentCorrelationId(),
          occurredAt: now,
        },
        em,
      );
      return connectionOwner;
    });
    this.logger.log(`Rotated the postback URL of connection '${owner.connectionId}'`);
    return { postbackUrl: (await this.postbackSecrets.urlFor(owner))! };
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

  /** The postback URL is a credential (anyone holding it can trigger syncs): shown to admins only. */
  private async toStatus(row: Connection, user: AuthenticatedUser, syncRunId?: string): Promise<IntegrationStatusDto> {
    const iso = (value: Date | null) => (value ? value.toISOString() : null);
    const owner = { tenantId: row.tenantId, connectionId: row.id };
    const [requested, postbackUrl] = await Promise.all([
      syncRunId ? this.requests.find(row.tenantId, row.id, syncRunId) : this.requests.latest(row.tenantId, row.id),
      user.roles.includes(ADMIN_ROLE) && row.status !== 'disconnected'
        ? this.postbackSecrets.urlFor(owner)
        : Promise.resolve(null),
    ]);
    const lastSync =
      row.lastSyncRunId && row.lastSyncStatus && row.lastSyncStartedAt
        ? {
            id: row.lastSyncRunId,
            status: row.lastSyncStatus,
            startedAt: row.lastSyncStartedAt.toISOString(),
            finishedAt: iso(row.lastSyncFinishedAt),
            recordsFetched: row.lastSyncRecordsFetched,
            error: row.lastSyncError,
            progress:
              row.lastSyncProgress && row.lastSyncProgressAt && row.lastSyncProgressRunId === row.lastSyncRunId
                ? { streams: row.lastSyncProgress, reportedAt: row.lastSyncProgressAt.toISOString() }
                : null,
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
      lastRequestedSync: requested
        ? {
            syncRunId: requested.id,
            runId: requested.runId,
            mode: requested.mode,
            reason: requested.reason,
            status: requested.status,
            requestedAt: requested.requestedAt.toISOString(),
            finishedAt: iso(requested.finishedAt),
          }
        : null,
      freshness: row.freshness ?? [],
      postbackUrl,
    };
  }

  /** What sync reported; until it reports, one interval after the last start (a first sync starts at connect). */
  private nextSyncAt(row: Connection): Date | null {
    if (row.status !== 'connected') return null;
    if (row.nextSyncAt) return row.nextSyncAt;
    // The first sync a PUT asks for (requested in the same transaction that stored the token) keeps the estimate
    // of one interval after storing that the status always gave; a manual request makes it unknown until sync reports.
    const pendingManual =
      row.pendingSyncRunId !== null && row.pendingSyncRequestedAt?.getTime() !== row.tokenStoredAt?.getTime();
    if (row.runningSyncRunId || pendingManual) return null;
    const base = row.lastSyncStartedAt ?? row.tokenStoredAt;
    return base ? new Date(base.getTime() + this.syncIntervalMs) : null;
  }
}
