import { Check, Embeddable, Embedded, Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

import { CONNECTION_STATUSES, SYNC_MODES, SYNC_REASONS } from '@pp/contracts';

export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];
export type SyncMode = (typeof SYNC_MODES)[number];
export type SyncReason = (typeof SYNC_REASONS)[number];

/** A run asked for while another was running: it starts, under its own id, once that one has ended. */
@Embeddable()
export class FollowUpRun {
  @Property({ type: 'text' })
  runId!: string;

  @Enum({ items: [...SYNC_MODES] })
  mode!: SyncMode;

  @Property({ type: 'text' })
  reason!: SyncReason;

  @Property({ type: 'text' })
  correlationId!: string;

  @Property({ type: 'timestamptz' })
  requestedAt!: Date;
}

/** What the sync knows of each connection, learnt only from the credentials service's events. */
@Entity({ schema: 'sync', tableName: 'connection' })
@Index({
  name: 'connection_due_idx',
  expression: `create index connection_due_idx on sync.connection (last_enqueued_at) where status = 'connected'`,
})
@Check({
  name: 'connection_follow_up_whole',
  // As PostgreSQL normalises the migration's `in (0, 5)`, so the schema diff sees the same expression.
  expression:
    'num_nulls(follow_up_run_id, follow_up_mode, follow_up_reason, follow_up_correlation_id, follow_up_requested_at) = any (array[0, 5])',
})
export class Connection {
  [OptionalProps]?: 'ref' | 'createdAt' | 'updatedAt' | 'lastEnqueuedAt' | 'lastSuccessAt' | 'lastFullAt' | 'followUp';

  @PrimaryKey({ type: 'text' })
  id!: string;

  /** A compact key for the connection's record states (one row per synced record). */
  @Property({ type: 'integer', autoincrement: true, unique: 'connection_ref_key' })
  ref!: number;

  @Property({ type: 'text' })
  tenantId!: string;

  @Enum({ items: [...CONNECTION_STATUSES] })
  status!: ConnectionStatus;

  @Property({ type: 'timestamptz' })
  statusChangedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  lastEnqueuedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  lastSuccessAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  lastFullAt: Date | null = null;

  /** The table's check keeps its five columns all set or all null. */
  @Embedded({ entity: () => FollowUpRun, prefix: 'follow_up_', nullable: true })
  followUp: FollowUpRun | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt!: Date;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt!: Date;
}
