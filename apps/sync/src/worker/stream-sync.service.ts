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
import { PAGE_SIZE, REMOVAL_BATCH_SIZE, STREAM_CODES } from '../sync.constants';
import { pageVersionsHash, recordHash } from './record-hash';
import { RecordStateRepository, RecordVersion, StreamScope } from './record-state.repository';
import { RunContext } from './run-context';
import { PassCheckpoint, planPass } from './stream-plan';
import { StreamStateRepository } from './stream-state.repository';

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
    let pass = state.pass;
    if (!pass || (ctx.full && !pass.full)) {
      pass = planPass({
        stream,
        runId: ctx.run.id,
        full: ctx.full,
        watermark: state.watermark,
        fullSeq: state.fullSeq,
        overlapMs: ctx.overlapMs,
      });
      await this.states.savePass(connectionId, stream, pass);
    } else {
      this.logger.log(
        `Resuming '${stream}' at phase ${pass.phaseIndex + 1}/${pass.phases.length} after ${pass.pages} page(s)`,
      );
    }

    const phases = pass.phases;
    const fetchPage = (phaseIndex: number, cursor: string | null): Promise<Page> =>
      ctx.client.listPage(ctx.token, stream, {
        ...phases[phaseIndex].params,
        limit: PAGE_SIZE,
        starting_after: cursor ?? undefined,
      });
    let prefetched: { phaseIndex: number; cursor: string; page: Promise<Page> } | undefined;
    while (!pass.removing && pass.phaseIndex < pass.phases.length) {
      const phase = pass.phases[pass.phaseIndex];
      let page: Page;
      try {
        const ahead =
          prefetched?.phaseIndex === pass.phaseIndex && prefetched.cursor === pass.cursor ? prefetched.page : undefined;
        prefetched = undefined;
        page = await (ahead ?? fetchPage(pass.phaseIndex, pass.cursor));
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
        const next = fetchPage(pass.phaseIndex, last);
        // Its failure is handled where it is awaited, on the next turn; a sync that stops first just drops it.
        next.catch(() => undefined);
        prefetched = { phaseIndex: pass.phaseIndex, cursor: last, page: next };
      }
      pass = await this.commitPage(ctx, stream, scope, pass, page);
    }

    if (pass.full) {
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
    const versions: RecordVersion[] = [...unique.values()].map((record) => ({
      key: record.key,
      updatedAt: typeof record.updated_at === 'number' ? record.updated_at : null,
      hash: recordHash(record),
    }));
    const known = await this.records.load(
      scope,
      versions.map((version) => version.key),
    );
    const changed = versions.filter((version) => known.get(version.key)?.hash !== version.hash);
    const unchanged = versions.filter((version) => known.get(version.key)?.hash === version.hash);

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
    const next: PassCheckpoint = {
      ...pass,
      pages: pass.pages + 1,
      maxCreated,
      cursor: more ? last : null,
      phaseIndex: more ? pass.phaseIndex : pass.phaseIndex + 1,
    };
    const counts = {
      ...ctx.takeRequestCounts(stream),
      fetched: page.items.length,
      emitted: changed.length,
      unchanged: unchanged.length,
    };
    await this.db.transaction(async (trx) => {
      await ctx.lease.confirm(trx);
      await this.records.upsert(scope, changed, pass.seen, trx);
      if (pass.full)
        await this.records.markSeen(
          scope,
          unchanged.map((version) => version.key),
          pass.seen,
          trx,
        );
      await this.states.savePass(ctx.connection.id, stream, next, trx);
      await this.runs.addCounts(ctx.run.id, stream, counts, trx);
    });
    syncMetrics.recordsFetched.inc({ stream }, page.items.length);
    syncMetrics.recordsEmitted.inc({ stream }, changed.length);
    this.logger.log(
      {
        stream,
        phase: pass.phases[pass.phaseIndex].label,
        page: next.pages,
        fetched: page.items.length,
        emitted: changed.length,
      },
      `Synced page ${next.pages} of '${stream}' (${pass.phases[pass.phaseIndex].label}): ${page.items.length} fetched, ${changed.length} emitted`,
    );
    return next;
  }

  private async publishRemovals(
    ctx: RunContext,
    stream: PartnerStackStream,
    scope: StreamScope,
    pass: PassCheckpoint,
  ): Promise<void> {
    const key = RawRemovedKey(stream);
    for (;;) {
      const gone = await this.records.unseen(scope, pass.seen, REMOVAL_BATCH_SIZE);
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
      this.logger.log({ stream, removed: gone.length }, `Published ${gone.length} removal(s) of '${stream}'`);
    }
  }
}
