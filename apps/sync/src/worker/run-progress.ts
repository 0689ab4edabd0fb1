import { Logger } from '@nestjs/common';

import { describeError } from '@pp/common';
import { PARTNERSTACK_STREAMS, PartnerStackStream, StreamProgress, StreamStats, SyncTier } from '@pp/contracts';
import { MessagePublisher } from '@pp/messaging';

import { SyncRun } from '../runs/sync-run.entity';

/**
 * A running sync's progress per stream, published as `sync.run.progress` at most once per interval (the last state
 * of a burst is sent when the interval has passed, never dropped). Publishing never holds a page back: a failed
 * publish is logged and the next report carries the newer state anyway.
 */
export class RunProgress {
  private readonly logger = new Logger(RunProgress.name);
  private readonly streams = new Map<PartnerStackStream, StreamProgress>();
  private lastPublishedAt = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly publisher: MessagePublisher,
    private readonly run: SyncRun,
    private readonly mode: 'incremental' | 'full',
    private readonly intervalMs: number,
    /** Counts of streams an earlier attempt of this run already finished. */
    previous: readonly StreamStats[],
  ) {
    for (const stream of PARTNERSTACK_STREAMS) {
      const done = previous.find((stat) => stat.stream === stream);
      this.streams.set(stream, {
        stream,
        status: done && done.status !== 'skipped' ? done.status : 'pending',
        tier: null,
        pages: 0,
        fetched: done?.fetched ?? 0,
        emitted: done?.emitted ?? 0,
        removed: done?.removed ?? 0,
        estimatedPagesLeft: null,
      });
    }
  }

  public startStream(
    stream: PartnerStackStream,
    tier: SyncTier,
    pagesDone: number,
    expectedPages: number | null,
  ): void {
    this.update(stream, {
      status: 'running',
      tier,
      pages: pagesDone,
      estimatedPagesLeft: expectedPages === null ? null : Math.max(0, expectedPages - pagesDone),
    });
  }

  public page(stream: PartnerStackStream, counts: { fetched: number; emitted: number }): void {
    const current = this.streams.get(stream)!;
    this.update(stream, {
      pages: current.pages + 1,
      fetched: current.fetched + counts.fetched,
      emitted: current.emitted + counts.emitted,
      estimatedPagesLeft: current.estimatedPagesLeft === null ? null : Math.max(0, current.estimatedPagesLeft - 1),
    });
  }

  /** The read-back of departed rewards is planned mid-pass: it changes what is left. */
  public replan(stream: PartnerStackStream, pagesLeft: number | null): void {
    this.update(stream, { estimatedPagesLeft: pagesLeft });
  }

  public removed(stream: PartnerStackStream, count: number): void {
    this.update(stream, { removed: this.streams.get(stream)!.removed + count });
  }

  public endStream(stream: PartnerStackStream, status: StreamProgress['status']): void {
    this.update(stream, { status, estimatedPagesLeft: status === 'succeeded' ? 0 : null });
  }

  public snapshot(): StreamProgress[] {
    return [...this.streams.values()].map((stream) => ({ ...stream }));
  }

  /** The run is over: its finished event carries the final counts. */
  public stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private update(stream: PartnerStackStream, change: Partial<StreamProgress>): void {
    Object.assign(this.streams.get(stream)!, change);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    const wait = Math.max(0, this.lastPublishedAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publish();
    }, wait);
    this.timer.unref();
  }

  private publish(): void {
    if (this.stopped) return;
    this.lastPublishedAt = Date.now();
    this.publisher
      .publish(
        'sync.run.progress',
        {
          connectionId: this.run.connectionId,
          syncRunId: this.run.id,
          mode: this.mode,
          reportedAt: new Date(this.lastPublishedAt).toISOString(),
          streams: this.snapshot(),
        },
        { tenantId: this.run.tenantId, correlationId: this.run.correlationId },
      )
      .catch((error: unknown) => this.logger.warn(`Could not publish sync progress: ${describeError(error)}`));
  }
}
