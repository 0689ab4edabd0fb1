import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

import { StreamFreshness, StreamProgress, SYNC_RUN_STATUSES } from '@pp/contracts';

export const CONNECTION_STATUSES = ['connected', 'invalid', 'disconnected'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];
export type SyncRunStatus = (typeof SYNC_RUN_STATUSES)[number];

/**
 * An org's PartnerStack connection (one per org). The row outlives a disconnect so its id, and the data synced under
 * it, stay; the secret itself lives in ConnectionToken. The last-sync columns are what sync reported, never read
 * from sync's tables.
 */
@Entity({ schema: 'credentials', tableName: 'connection' })
@Index({
  name: 'connection_postback_due_idx',
  expression: `create index connection_postback_due_idx on credentials.connection (postback_sync_due_at) where postback_sync_due_at is not null`,
})
export class Connection {
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  @Unique({ name: 'connection_tenant_id_key' })
  tenantId!: string;

  @Enum({ items: [...CONNECTION_STATUSES] })
  status!: ConnectionStatus;

  @Property({ type: 'text', nullable: true })
  statusReason!: string | null;

  /** The token's last characters, so a user can tell which key is stored. */
  @Property({ type: 'text', nullable: true })
  tokenHint!: string | null;

  @Property({ type: 'timestamptz' })
  connectedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  tokenStoredAt!: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  lastValidatedAt!: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  disconnectedAt!: Date | null;

  @Property({ type: 'timestamptz' })
  statusChangedAt!: Date;

  @Property({ type: 'text', nullable: true })
  lastSyncRunId!: string | null;

  @Enum({ items: [...SYNC_RUN_STATUSES], nullable: true })
  lastSyncStatus!: SyncRunStatus | null;

  @Property({ type: 'timestamptz', nullable: true })
  lastSyncStartedAt!: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  lastSyncFinishedAt!: Date | null;

  @Property({ type: 'integer', nullable: true })
  lastSyncRecordsFetched!: number | null;

  @Property({ type: 'text', nullable: true })
  lastSyncError!: string | null;

  @Property({ type: 'text', nullable: true })
  runningSyncRunId!: string | null;

  /** The run id handed out for a requested sync that has not started yet. */
  @Property({ type: 'text', nullable: true })
  pendingSyncRunId!: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  pendingSyncRequestedAt!: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  nextSyncAt!: Date | null;

  /** Progress of the running run, as sync last reported it. */
  @Property({ type: 'json', nullable: true })
  lastSyncProgress!: StreamProgress[] | null;

  @Property({ type: 'text', nullable: true })
  lastSyncProgressRunId!: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  lastSyncProgressAt!: Date | null;

  /** Per stream, the freshness reported by the latest finished run that covered it. */
  @Property({ type: 'json', nullable: true })
  freshness!: StreamFreshness[] | null;

  @Property({ type: 'timestamptz', nullable: true })
  freshnessAsOf!: Date | null;

  /** When a postback last led to a sync; postbacks inside the debounce window after it fold into one trailing sync. */
  @Property({ type: 'timestamptz', nullable: true })
  postbackSyncRequestedAt!: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  postbackSyncDueAt!: Date | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt!: Date;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt!: Date;
}
