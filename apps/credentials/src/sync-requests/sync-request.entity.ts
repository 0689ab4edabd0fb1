import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';

import { SYNC_MODES, SYNC_REASONS, SYNC_RUN_STATUSES } from '@pp/contracts';

import { Connection } from '../connections/connection.entity';

export const SYNC_REQUEST_STATUSES = ['queued', ...SYNC_RUN_STATUSES] as const;
export type SyncRequestStatus = (typeof SYNC_REQUEST_STATUSES)[number];
export type SyncMode = (typeof SYNC_MODES)[number];
export type SyncReason = (typeof SYNC_REASONS)[number];

/** A run id credentials handed out, and what became of it: the run it is (or was merged into) and its outcome. */
@Entity({ schema: 'credentials', tableName: 'sync_request' })
@Index({
  name: 'sync_request_connection_idx',
  expression: 'create index sync_request_connection_idx on credentials.sync_request (connection_id, requested_at desc)',
})
@Index({ name: 'sync_request_run_idx', properties: ['connectionId', 'runId'] })
export class SyncRequest {
  /** The sync run id handed out. */
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  @ManyToOne({
    entity: () => Connection,
    mapToPk: true,
    fieldName: 'connection_id',
    deleteRule: 'cascade',
    updateRule: 'no action',
    foreignKeyName: 'sync_request_connection_id_fkey',
  })
  connectionId!: string;

  @Enum({ items: [...SYNC_MODES] })
  mode!: SyncMode;

  @Property({ type: 'text' })
  reason!: SyncReason;

  /** The run that carries this request: its own id, or the run it was merged into. */
  @Property({ type: 'text' })
  runId!: string;

  @Enum({ items: [...SYNC_REQUEST_STATUSES] })
  status!: SyncRequestStatus;

  @Property({ type: 'timestamptz' })
  requestedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
