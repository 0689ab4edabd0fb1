import { randomUUID } from 'node:crypto';

import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';

import { MessagePublisher, PermanentMessageError } from '@pp/messaging';
import { newCorrelationId } from '@pp/observability';

import { Connection, ConnectionStatus, FollowUpRun, SyncMode, SyncReason } from '../connections/connection.entity';
import { ConnectionsRepository } from '../connections/connections.repository';
import { RunRequest } from '../runs/run-request.entity';
import { SyncRun } from '../runs/sync-run.entity';
import { SyncRunsRepository } from '../runs/sync-runs.repository';

export class UnknownConnectionError extends Error {
  constructor(connectionId: string) {
    super(`Connection '${connectionId}' is not known yet (its connected event may still be on its way)`);
    this.name = 'UnknownConnectionError';
  }
}

/** A run asked for under an id the requester already handed out (a settings page polls for it). */
export interface SyncRequest {
  connectionId: string;
  /** The requester's tenant: a request for another tenant's connection is refused. */
  tenantId: string;
  syncRunId: string;
  reason: SyncReason;
  mode: SyncMode;
  correlationId: string;
}

/** What the locked decision leaves to do once its transaction has committed. */
interface Outcome {
  /** A queued run whose job is to be published. */
  dispatch?: SyncRun;
  /** A request answered by another run, to be announced. */
  merged?: RunRequest;
  /** A request that failed at once, to be announced as finished. */
  failed?: RunRequest;
  /** Why nothing else is to be done. */
  none?: string;
}

const NOT_CONNECTED_ERRORS: Record<Exclude<ConnectionStatus, 'connected'>, string> = {
  invalid: 'The PartnerStack connection is invalid; paste a new token',
  disconnected: 'The PartnerStack connection is disconnected; connect it again to sync',
};

/**
 * The only way a sync run comes to be, and the guarantee that every requested run id reaches a published outcome:
 * it becomes a run, is merged into a run not started yet (`sync.run.merged`), waits as the connection's follow-up
 * of a running run, or fails at once (`sync.run.finished`, failed) when the connection cannot sync. Each decision
 * is taken holding the connection's row lock, so concurrent schedulers see each other's choices; the partial
 * unique index on `sync.run` still refuses a second active run. A run is a queued row first, then the `sync.job`
 * message; a job whose message is lost is dispatched again by the tick.
 */
@Injectable()
export class SyncEnqueuerService {
  private readonly logger = new Logger(SyncEnqueuerService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly runs: SyncRunsRepository,
    private readonly connections: ConnectionsRepository,
    private readonly publisher: MessagePublisher,
  ) {}

  /**
   * Gives the requested id its outcome. Idempotent: a redelivery dispatches a still-queued run again and
   * re-publishes a merge or failure (the state, not the message, is the record of what happened).
   */
  public async request(request: SyncRequest): Promise<void> {
    const outcome = await this.em.fork().transactional((em) => this.decide(em, request));
    await this.carryOut(outcome, `request '${request.syncRunId}' (${request.reason}, ${request.mode})`);
  }

  /**
   * What a connection with no active run does next: its follow-up run if one waits (failed at once if the
   * connection can no longer sync), else, when `scheduled`, a periodic run (full when a reconcile is due).
   */
  public async next(connectionId: string, scheduled?: { reconcile: boolean }): Promise<void> {
    const outcome = await this.em.fork().transactional((em) => this.decideNext(em, connectionId, scheduled));
    await this.carryOut(outcome, `connection '${connectionId}'`);
  }

  private async decide(em: EntityManager, request: SyncRequest): Promise<Outcome> {
    const { connectionId, syncRunId: id, mode } = request;
    const connection = await this.connections.lock(connectionId, em);
    if (!connection) throw new UnknownConnectionError(connectionId);
    if (connection.tenantId !== request.tenantId)
      throw new PermanentMessageError(`Connection '${connectionId}' does not belong to the requesting tenant`);

    const run = await this.runs.findIn(em, id);
    const known = run ? null : await this.runs.findRequest(em, id);
    const owner = run?.connectionId ?? known?.connectionId;
    if (owner !== undefined && owner !== connectionId)
      throw new PermanentMessageError(`Sync run id '${id}' already belongs to another connection`);
    if (run) return run.status === 'queued' ? { dispatch: run } : { none: `run is ${run.status}` };
    if (known) return known.runId ? { merged: known } : { failed: known };
    if (connection.followUp?.runId === id) return { none: 'already the follow-up' };

    const base = {
      requestedId: id,
      connectionId,
      tenantId: connection.tenantId,
      correlationId: request.correlationId,
      mode,
    };
    if (connection.status !== 'connected') {
      const error = NOT_CONNECTED_ERRORS[connection.status];
      return { failed: await this.runs.addRequest(em, { ...base, runId: null, error }) };
    }

    const followUp = connection.followUp;
    const active = await this.runs.activeRunIn(em, connectionId);
    if (!active && followUp) {
      // The run it waited for has ended and its end was not seen yet: the follow-up starts now and answers this too.
      const started = await this.startFollowUp(em, connection, followUp, mode === 'full');
      return { ...started, merged: await this.runs.addRequest(em, { ...base, runId: followUp.runId, error: null }) };
    }
    if (!active) {
      return this.createRun(em, connection, {
        id,
        correlationId: request.correlationId,
        reason: request.reason,
        mode,
      });
    }
    if (active.status === 'queued' && (await this.runs.mergeIntoQueued(em, active.id, mode))) {
      return { merged: await this.runs.addRequest(em, { ...base, runId: active.id, error: null }) };
    }
    // Running: it may already be past the streams the requester wants fresh, so this waits for it to end.
    if (followUp) {
      if (mode === 'full') followUp.mode = 'full';
      return { merged: await this.runs.addRequest(em, { ...base, runId: followUp.runId, error: null }) };
    }
    connection.followUp = Object.assign(new FollowUpRun(), {
      runId: id,
      mode,
      reason: request.reason,
      correlationId: request.correlationId,
      requestedAt: new Date(),
    });
    return { none: `follows run '${active.id}', which is running` };
  }

  private async decideNext(
    em: EntityManager,
    connectionId: string,
    scheduled: { reconcile: boolean } | undefined,
  ): Promise<Outcome> {
    const connection = await this.connections.lock(connectionId, em);
    if (!connection) return { none: 'unknown connection' };
    const active = await this.runs.activeRunIn(em, connectionId);
    if (active) return { none: `run '${active.id}' is ${active.status}` };

    const followUp = connection.followUp;
    if (followUp) {
      if (connection.status !== 'connected') {
        connection.followUp = null;
        const failed = await this.runs.addRequest(em, {
          requestedId: followUp.runId,
          connectionId,
          tenantId: connection.tenantId,
          correlationId: followUp.correlationId,
          mode: followUp.mode,
          runId: null,
          error: NOT_CONNECTED_ERRORS[connection.status],
        });
        // Published before the commit: once the follow-up is cleared, no redelivery would publish it again.
        await this.publishFailed(failed);
        return { none: `follow-up '${followUp.runId}' failed: ${failed.error}` };
      }
      return this.startFollowUp(em, connection, followUp, scheduled?.reconcile ?? false);
    }
    if (!scheduled || connection.status !== 'connected') return { none: 'nothing to run' };
    return this.createRun(em, connection, {
      id: randomUUID(),
      correlationId: newCorrelationId(),
      reason: scheduled.reconcile ? 'reconcile' : 'scheduled',
      mode: scheduled.reconcile ? 'full' : 'incremental',
    });
  }

  private async startFollowUp(
    em: EntityManager,
    connection: Connection,
    followUp: FollowUpRun,
    full: boolean,
  ): Promise<Outcome> {
    connection.followUp = null;
    return this.createRun(em, connection, {
      id: followUp.runId,
      correlationId: followUp.correlationId,
      reason: followUp.reason,
      mode: full ? 'full' : followUp.mode,
    });
  }

  /**
   * A run from the connection's locked decision; only a writer that skipped the lock could make the partial unique
   * index refuse it, and the message's retry then sees that run.
   */
  private async createRun(
    em: EntityManager,
    connection: Connection,
    input: Parameters<SyncRunsRepository['createQueued']>[2],
  ): Promise<Outcome> {
    return { dispatch: await this.runs.createQueued(em, connection, input) };
  }

  private async carryOut({ dispatch, merged, failed, none }: Outcome, what: string): Promise<void> {
    if (dispatch) {
      await this.dispatch(dispatch);
      this.logger.log(
        `Enqueued sync run '${dispatch.id}' of connection '${dispatch.connectionId}' (${dispatch.reason}, ${dispatch.mode})`,
      );
    }
    if (merged) {
      await this.publishMerged(merged);
      this.logger.log(`Sync ${what} merged into run '${merged.runId}'`);
    }
    if (failed) {
      await this.publishFailed(failed);
      this.logger.log(`Sync ${what} failed at once: ${failed.error}`);
    }
    if (none) this.logger.log(`Sync ${what}: nothing enqueued (${none})`);
  }

  public async dispatch(run: SyncRun): Promise<void> {
    await this.publisher.publish(
      'sync.job',
      { connectionId: run.connectionId, syncRunId: run.id, reason: run.reason, mode: run.mode },
      { tenantId: run.tenantId, correlationId: run.correlationId, idempotencyKey: `sync.job:${run.id}` },
    );
  }

  private async publishMerged(request: RunRequest): Promise<void> {
    await this.publisher.publish(
      'sync.run.merged',
      {
        connectionId: request.connectionId,
        syncRunId: request.requestedId,
        mergedIntoSyncRunId: request.runId!,
        mergedAt: request.requestedAt.toISOString(),
      },
      {
        tenantId: request.tenantId,
        correlationId: request.correlationId,
        idempotencyKey: `sync.run.merged:${request.requestedId}`,
      },
    );
  }

  /** The requested run's whole life: it ended as it was asked for, having read nothing. */
  private async publishFailed(request: RunRequest): Promise<void> {
    const at = request.requestedAt.toISOString();
    await this.publisher.publish(
      'sync.run.finished',
      {
        connectionId: request.connectionId,
        syncRunId: request.requestedId,
        mode: request.mode,
        status: 'failed',
        startedAt: at,
        finishedAt: at,
        recordsFetched: 0,
        recordsEmitted: 0,
        error: request.error,
        streams: [],
        nextSyncAt: null,
      },
      {
        tenantId: request.tenantId,
        correlationId: request.correlationId,
        idempotencyKey: `sync.run.finished:${request.requestedId}`,
      },
    );
  }
}
