import {
  BigIntType,
  Entity,
  Enum,
  Index,
  ManyToOne,
  OptionalProps,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/core';

import { SYNC_MODES } from '@pp/contracts';

import { Connection, SyncMode, SyncReason } from '../connections/connection.entity';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'partial', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** A run a worker may still start or resume. */
export const ACTIVE_RUN_STATUSES: RunStatus[] = ['queued', 'running'];

/** One sync of one connection, from queued to its outcome. */
@Entity({ schema: 'sync', tableName: 'run' })
// The dedupe: at most one queued or running run per connection, whatever enqueues it.
@Unique({
  name: 'run_one_active_per_connection',
  expression: `create unique index run_one_active_per_connection on sync.run (connection_id) where status in ('queued', 'running')`,
})
@Index({
  name: 'run_connection_recent_idx',
  expression: 'create index run_connection_recent_idx on sync.run (connection_id, queued_at desc)',
})
export class SyncRun {
  [OptionalProps]?:
    | 'attempts'
    | 'worker'
    | 'queuedAt'
    | 'dispatchedAt'
    | 'startedAt'
    | 'finishedAt'
    | 'recordsFetched'
    | 'recordsEmitted'
    | 'error';

  @PrimaryKey({ type: 'text' })
  id!: string;

  @ManyToOne({
    entity: () => Connection,
    mapToPk: true,
    fieldName: 'connection_id',
    deleteRule: 'cascade',
    updateRule: 'no action',
    foreignKeyName: 'run_connection_id_fkey',
  })
  connectionId!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  @Property({ type: 'text' })
  correlationId!: string;

  @Property({ type: 'text' })
  reason!: SyncReason;

  @Enum({ items: [...SYNC_MODES] })
  mode!: SyncMode;

  @Enum({ items: [...RUN_STATUSES] })
  status!: RunStatus;

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'text', nullable: true })
  worker: string | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  queuedAt!: Date;

  /** When its job was last published; the tick publishes it again when no worker took it up. */
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  dispatchedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  startedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null = null;

  @Property({ type: new BigIntType('number'), default: 0 })
  recordsFetched: number = 0;

  @Property({ type: new BigIntType('number'), default: 0 })
  recordsEmitted: number = 0;

  @Property({ type: 'text', nullable: true })
  error: string | null = null;
}
