import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

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
@Unique({ name: 'sync_run_tenant_external_key_unique', properties: ['tenantId', 'externalKey'] })
@Index({ name: 'sync_run_tenant_id_started_at_index', properties: ['tenantId', 'startedAt'] })
@Index({
  name: 'sync_run_report_started_index',
  expression: 'create index sync_run_report_started_index on domain.sync_run (tenant_id, started_at desc, id desc)',
})
// A run's events update the runs folded into it: found by their target's key.
@Index({
  name: 'sync_run_merged_into_index',
  expression: `create index sync_run_merged_into_index on domain.sync_run (tenant_id, merged_into_sync_run_id)
    where merged_into_sync_run_id is not null`,
})
// `/v1/summary`'s `dataAsOf`: the newest start of a succeeded run.
@Index({
  name: 'sync_run_succeeded_started_index',
  expression: `create index sync_run_succeeded_started_index on domain.sync_run (tenant_id, started_at desc)
    where status = 'succeeded'`,
})
// `/v1/summary`'s `freshness`: the newest finished run that reported it.
@Index({
  name: 'sync_run_freshness_finished_index',
  expression: `create index sync_run_freshness_finished_index on domain.sync_run (tenant_id, finished_at desc, id desc)
    where freshness is not null and finished_at is not null`,
})
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

  @Property({ type: 'jsonb', defaultRaw: `'[]'` })
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

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt!: Date;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt!: Date;
}
