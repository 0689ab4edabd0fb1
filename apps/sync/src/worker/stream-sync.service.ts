import { Injectable, Logger } from '@nestjs/common';

import { PartnerStackStream, RawRecordKey, RawRemovedKey, RoutingKey } from '@pp/contracts';
import { MessagePublisher, OutgoingMessage } from '@pp/messaging';
import {
  Page,
  PartnerStackBadRequestError,
  PartnerStackRecord,
  PartnerStackUpstreamError,
} from '@pp/partnerstack-client';

import { SyncDatabase } from '../database/sync-database';
import { syncMetrics } from '../metrics/sync.metrics';
import { SyncRunsRepository } from '../runs/sync-runs.repository';
import { PAGE_SIZE, REMOVAL_BATCH_SIZE, STREAM_CODES, WARM_STREAMS, WHOLE_STREAMS } from '../sync.constants';
import { pageVersionsHash, recordHash } from './record-hash';
import { RecordStateRepository, RecordVersion, StreamScope } from './record-state.repository';
import { RewardTrace, sweepStatuses, traceReward } from './reward-state';
import { RunContext } from './run-context';
import {
  isCurrentCheckpoint,
  PassCheckpoint,
  planPass,
  planReadback,
  QueryParams,
  READBACK_PHASE,
  warmWindowStart,
} from './stream-plan';
import { StreamState } from './stream-state.entity';
import { StreamStateRepository } from './stream-state.repository';

/** Clawbacks seen in one pass whose customers' rewards are read back; beyond that, the read-back reads everything. */
const MAX_HINTED_CUSTOMERS = 10_000;

/**
 * Syncs one stream of one connection: walks the pass's queries page by page, publishes only new and changed
 * records, and commits record states with the checkpoint after the broker confirmed the page's events. A worker
 * that dies between publish and commit leaves the page to be fetched and published again (consumers dedupe by
 * idempotency key); it can never leave a page unpublished behind a checkpoint.
 */
@Injectable()
export class StreamSyncService {
  private readonly logger = new Logger(StreamSyncService.name);

  constructor(
    private readonly db: SyncDatabase,
    private readonly publisher: MessagePublisher,
    private readonly records: RecordStateRepository,
    private readonly states: StreamStateRepository,
    private readonly runs: SyncRunsRepository,
  ) {}

  public async sync(ctx: RunContext, stream: PartnerStackStream): Promise<void> {
    const connectionId = ctx.connection.id;
    const scope: StreamScope = { connectionRef: ctx.connection.ref, streamCode: STREAM_CODES[stream] };
    const state = await this.states.get(connectionId, stream);
    let pass = isCurrentCheckpoint(state.pass) ? state.pass : null;
    if (!pass || (ctx.full && !pass.full)) {
      pass = await this.plan(ctx, stream, scope, state);
      await this.states.savePass(connectionId, stream, pass);
    } else {
      this.logger.log(
        `Resuming the ${pass.tier} pass of '${stream}' at phase ${pass.phaseIndex + 1}/${pass.phases.length} after ${pass.pages} page(s)`,
      );
    }
    ctx.progress.startStream(stream, pass.tier, pass.pages, pass.expectedPages);

    const fetchPage = (params: QueryParams, cursor: string | null): Promise<Page> =>
      ctx.client.listPage(ctx.token, stream, { ...params, limit: PAGE_SIZE, starting_after: cursor ?? undefined });
    let prefetched: { phaseIndex: number; cursor: string; page: Promise<Page> } | undefined;
    while (!pass.removing && pass.phaseIndex < pass.phases.length) {
      const phase = pass.phases[pass.phaseIndex];
      if (phase.label === READBACK_PHASE) {
        pass = await this.planReadback(ctx, stream, scope, pass);
        continue;
      }
      let page: Page;
      try {
        const ahead =
          prefetched?.phaseIndex === pass.phaseIndex && prefetched.cursor === pass.cursor ? prefetched.page : undefined;
        prefetched = undefined;
        page = await (ahead ?? fetchPage(phase.params, pass.cursor));
      } catch (error) {
        if (error instanceof PartnerStackBadRequestError && pass.cursor) {
          // The cursor's record vanished upstream; re-reading the phase costs calls but never emits twice.
          this.logger.warn(`'${stream}' refused the resume cursor; restarting phase '${phase.label}'`);
          pass = { ...pass, cursor: null };
          await this.states.savePass(connectionId, stream, pass);
          continue;
        }
        throw error;
      }
      // PartnerStack serves the next page while this one is published and checkpointed: a page then costs the
      // slower of the two rather than their sum. Only its fetch runs ahead; checkpoints still advance in order.
      const last = page.items.at(-1)?.key;
      if (page.hasMore && last !== undefined && last !== pass.cursor) {
        const next = fetchPage(phase.params, last);
        // Its failure is handled where it is awaited, on the next turn; a sync that stops first just drops it.
        next.catch(() => undefined);
        prefetched = { phaseIndex: pass.phaseIndex, cursor: last, page: next };
      }
      pass = await this.commitPage(ctx, stream, scope, pass, page);
    }

    if (pass.sweptBefore !== null) {
      const vanished = await this.records.closeDeparted(scope, pass.touch, pass.sweptBefore);
      if (vanished > 0)
        this.logger.warn(
          `${vanished} reward(s) left the open statuses and were not found again; the next full reconcile settles them`,
        );
    }
    if (pass.full || pass.tier === 'warm') {
      if (!pass.removing) {
        pass = { ...pass, removing: true };
        await this.states.savePass(connectionId, stream, pass);
      }
      await this.publishRemovals(ctx, stream, scope, pass);
    }
    await this.states.completePass(connectionId, stream, pass);
    await this.runs.addCounts(ctx.run.id, stream, ctx.takeRequestCounts(stream));
  }

  public async markUnavailable(connectionId: string, stream: PartnerStackStream): Promise<void> {
    await this.states.markUnavailable(connectionId, stream);
  }

  /** Decides the stream's tier and what the pass will read, from what the earlier passes left behind. */
  private async plan(
    ctx: RunContext,
    stream: PartnerStackStream,
    scope: StreamScope,
    state: StreamState,
  ): Promise<PassCheckpoint> {
    const now = Date.now();
    const full = ctx.full || state.watermark === null || WHOLE_STREAMS.has(stream);
    const warmDue =
      !full &&
      WARM_STREAMS.has(stream) &&
      (state.lastWarmAt === null || now - state.lastWarmAt.getTime() >= ctx.warmIntervalMs);
    let knownRecords = 0;
    let sweep = { extraOpenStatuses: [] as string[], openPaymentStatuses: [] as string[] };
    if (full) {
      knownRecords = await this.records.count(scope);
    } else if (warmDue) {
      knownRecords = await this.records.count(scope, {
        createdAfter: warmWindowStart(state.watermark!, ctx.overlapMs, ctx.warmWindowMs),
      });
    } else if (stream === 'rewards') {
      knownRecords = await this.records.count(scope, { open: true });
      sweep = sweepStatuses(await this.records.openStatuses(scope));
    }
    const pass = planPass({
      stream,
      runId: ctx.run.id,
      full,
      watermark: state.watermark,
      fullSeq: state.fullSeq,
      passSeq: state.passSeq,
      overlapMs: ctx.overlapMs,
      warmDue,
      warmWindowMs: ctx.warmWindowMs,
      ...sweep,
      knownRecords,
      now,
    });
    this.logger.log(
      { stream, tier: pass.tier, phases: pass.phases.length, expectedPages: pass.expectedPages },
      `Planned the ${pass.tier} pass of '${stream}': ${pass.phases.map((phase) => phase.label).join(', ')}`,
    );
    return pass;
  }

  /**
   * The sweeps are done: open rewards they did not return have left the open statuses since the last sync (paid,
   * declined, or gone). Their read-back queries are frozen into the checkpoint in place of the placeholder phase.
   */
  private async planReadback(
    ctx: RunContext,
    stream: PartnerStackStream,
    scope: StreamScope,
    pass: PassCheckpoint,
  ): Promise<PassCheckpoint> {
    const sweptBefore = pass.sweptBefore ?? 0;
    const departed = await this.records.departed(scope, pass.touch, sweptBefore);
    const readback =
      departed.length === 0 && pass.readbackCustomers.length === 0
        ? []
        : planReadback({
            departed,
            hintedCustomers: pass.readbackCustomers,
            olderRewards: await this.records.count(scope, { createdUpTo: sweptBefore }),
            sweptBefore,
          });
    const phases = [...pass.phases.slice(0, pass.phaseIndex), ...readback, ...pass.phases.slice(pass.phaseIndex + 1)];
    const next: PassCheckpoint = { ...pass, phases, cursor: null, expectedPages: pass.pages + readback.length };
    await this.states.savePass(ctx.connection.id, stream, next);
    ctx.progress.replan(stream, readback.length);
    if (readback.length > 0)
      this.logger.log(
        {
          stream,
          departed: departed.length,
          clawbackCustomers: pass.readbackCustomers.length,
          queries: readback.length,
        },
        `${departed.length} reward(s) left the open statuses and ${pass.readbackCustomers.length} customer(s) had a new clawback; reading them back with ${readback.length} quer${readback.length === 1 ? 'y' : 'ies'}`,
      );
    return next;
  }

  private async commitPage(
    ctx: RunContext,
    stream: PartnerStackStream,
    scope: StreamScope,
    pass: PassCheckpoint,
    page: Page,
  ): Promise<PassCheckpoint> {
    const fetchedAt = new Date().toISOString();
    const unique = new Map<string, PartnerStackRecord>();
    for (const record of page.items) unique.set(record.key, record);
    const traces = new Map<string, RewardTrace>();
    if (stream === 'rewards') for (const record of unique.values()) traces.set(record.key, traceReward(record));
    const versions: RecordVersion[] = [...unique.values()].map((record) => {
      const trace = traces.get(record.key);
      return {
        key: record.key,
        updatedAt: typeof record.updated_at === 'number' ? record.updated_at : null,
        createdAt: typeof record.created_at === 'number' ? record.created_at : null,
        hash: recordHash(record),
        open: trace?.open ?? false,
        status: trace?.status ?? null,
        ref: trace?.customer ?? null,
      };
    });
    const known = await this.records.load(
      scope,
      versions.map((version) => version.key),
    );
    const changed = versions.filter((version) => known.get(version.key)?.hash !== version.hash);
    const unchanged = versions.length - changed.length;
    const clawbackCustomers = new Set<string>();
    if (traces.size > 0 && pass.phases.some((phase) => phase.label === READBACK_PHASE)) {
      // A clawback reverses an earlier reward of its customer, whose payment status changes with it (§11).
      for (const version of changed) {
        const trace = traces.get(version.key)!;
        if (!known.has(version.key) && trace.clawback && trace.customer !== null) clawbackCustomers.add(trace.customer);
      }
    }

    if (changed.length > 0) {
      await this.publisher.publish(
        RawRecordKey(stream),
        {
          connectionId: ctx.connection.id,
          syncRunId: ctx.run.id,
          stream,
          fetchedAt,
          records: changed.map((version) => ({ externalKey: version.key, record: unique.get(version.key)! })),
        },
        {
          tenantId: ctx.run.tenantId,
          correlationId: ctx.run.correlationId,
          // The same versions of the same records: a page re-fetched after a crash is recognised as a duplicate.
          idempotencyKey: `${stream}:${pageVersionsHash(changed)}`,
        },
      );
    }

    const last = page.items.at(-1)?.key ?? null;
    if (page.hasMore && last !== null && last === pass.cursor) {
      throw new PartnerStackUpstreamError(stream, 200, 'pagination did not advance past the last key', 1);
    }
    let maxCreated = pass.maxCreated;
    for (const record of unique.values()) {
      if (typeof record.created_at === 'number' && (maxCreated === null || record.created_at > maxCreated))
        maxCreated = record.created_at;
    }
    const more = page.hasMore && last !== null;
    const hinted = new Set([...pass.readbackCustomers, ...clawbackCustomers]);
    const next: PassCheckpoint = {
      ...pass,
      pages: pass.pages + 1,
      maxCreated,
      cursor: more ? last : null,
      phaseIndex: more ? pass.phaseIndex : pass.phaseIndex + 1,
      readbackCustomers: hinted.size > MAX_HINTED_CUSTOMERS ? pass.readbackCustomers : [...hinted],
    };
    const counts = {
      ...ctx.takeRequestCounts(stream),
      fetched: page.items.length,
      emitted: changed.length,
      unchanged,
    };
    await this.db.transaction(async (trx) => {
      await ctx.lease.confirm(trx);
      await this.records.upsert(scope, versions, { seen: pass.seen, touch: pass.touch }, trx);
      await this.states.savePass(ctx.connection.id, stream, next, trx);
      await this.runs.addCounts(ctx.run.id, stream, counts, trx);
    });
    syncMetrics.recordsFetched.inc({ stream }, page.items.length);
    syncMetrics.recordsEmitted.inc({ stream }, changed.length);
    ctx.progress.page(stream, { fetched: page.items.length, emitted: changed.length });
    const label = pass.phases[pass.phaseIndex].label;
    this.logger.log(
      { stream, tier: pass.tier, phase: label, page: next.pages, fetched: page.items.length, emitted: changed.length },
      `Synced page ${next.pages} of '${stream}' (${label}): ${page.items.length} fetched, ${changed.length} emitted`,
    );
    return next;
  }

  /** Full passes: records the pass did not see. Warm passes: the same, among records created inside the window. */
  private async publishRemovals(
    ctx: RunContext,
    stream: PartnerStackStream,
    scope: StreamScope,
    pass: PassCheckpoint,
  ): Promise<void> {
    const key = RawRemovedKey(stream);
    for (;;) {
      const gone = pass.full
        ? await this.records.unseen(scope, pass.seen, REMOVAL_BATCH_SIZE)
        : await this.records.untouchedSince(scope, pass.touch, pass.removeCreatedAfter ?? 0, REMOVAL_BATCH_SIZE);
      if (gone.length === 0) return;
      const removedAt = new Date().toISOString();
      await this.publisher.publishAll(
        gone.map(
          (version) =>
            ({
              key,
              payload: {
                connectionId: ctx.connection.id,
                syncRunId: ctx.run.id,
                stream,
                externalKey: version.key,
                removedAt,
              },
              meta: {
                tenantId: ctx.run.tenantId,
                correlationId: ctx.run.correlationId,
                idempotencyKey: `${stream}:${version.key}:removed:${version.hash}`,
              },
            }) as OutgoingMessage<RoutingKey>,
        ),
      );
      await this.db.transaction(async (trx) => {
        await ctx.lease.confirm(trx);
        await this.records.forget(
          scope,
          gone.map((version) => version.key),
          trx,
        );
        await this.runs.addCounts(ctx.run.id, stream, { removed: gone.length }, trx);
      });
      syncMetrics.recordsRemoved.inc({ stream }, gone.length);
      ctx.progress.removed(stream, gone.length);
      this.logger.log(
        { stream, tier: pass.tier, removed: gone.length },
        `Published ${gone.length} removal(s) of '${stream}'`,
      );
    }
  }
}
