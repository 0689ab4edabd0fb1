import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

import type { StreamFreshness, StreamProgress, StreamStats } from '@pp/contracts';

/** The latest progress of each stream of a running sync, with when the sync reported it. */
export interface SyncRunProgress {
  reportedAt: string;
  streams: Array<StreamProgress & { reportedAt: string }>;
}

/**
 * A sync run as announced by `sync.run.started` / `.progress` / `.finished` / `.merged`; external key is the sync run
 * id. A merged run has a row of its own whose status, times, error and progress follow the run it was folded into.
 */
@Entity({ schema: 'domain', tableName: 'sync_run' })
export class SyncRun {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  @Property({ type: 'text' })
  externalKey!: string;

  @Property({ type: 'text' })
  connectionId!: string;

  @Property({ type: 'text' })
  mode!: string;

  /** `running`, `succeeded`, `partial` or `failed`; `queued` for a merged run whose target has not started. */
  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'timestamptz' })
  startedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Property({ type: 'integer', nullable: true })
  recordsFetched!: number | null;

  @Property({ type: 'integer', nullable: true })
  recordsEmitted!: number | null;

  @Property({ type: 'text', nullable: true })
  error!: string | null;

  @Property({ type: 'jsonb' })
  streams!: StreamStats[];

  @Property({ type: 'timestamptz', nullable: true })
  nextSyncAt!: Date | null;

  @Property({ type: 'jsonb', nullable: true })
  progress!: SyncRunProgress | null;

  @Property({ type: 'jsonb', nullable: true })
  freshness!: StreamFreshness[] | null;

  /** The sync run id this run was folded into (`sync.run.merged`). */
  @Property({ type: 'text', nullable: true })
  mergedIntoSyncRunId!: string | null;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  updatedAt!: Date;
}
