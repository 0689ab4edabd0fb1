import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

import { SYNC_RUN_STATUSES } from '@pp/contracts';

import { Connection, SyncRunStatus } from '../connections/connection.entity';

/** A run's outcome as sync reported it, kept so that a merge arriving after its target finished still settles. */
@Entity({ schema: 'credentials', tableName: 'sync_run_report' })
@Index({ name: 'sync_run_report_reported_idx', properties: ['reportedAt'] })
export class SyncRunReport {
  [OptionalProps]?: 'reportedAt';

  @ManyToOne({
    entity: () => Connection,
    primary: true,
    mapToPk: true,
    fieldName: 'connection_id',
    deleteRule: 'cascade',
    updateRule: 'no action',
    foreignKeyName: 'sync_run_report_connection_id_fkey',
  })
  connectionId!: string;

  @PrimaryKey({ type: 'text' })
  runId!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  @Enum({ items: [...SYNC_RUN_STATUSES] })
  status!: SyncRunStatus;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  reportedAt!: Date;
}
