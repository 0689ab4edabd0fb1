import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

import { PartnerStackStream } from '@pp/contracts';

import { SyncRun } from './sync-run.entity';

export const STREAM_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'unavailable', 'skipped'] as const;
export type StreamStatus = (typeof STREAM_STATUSES)[number];

/** One stream of one run: its outcome and counters, added to page by page (a resumed run keeps them). */
@Entity({ schema: 'sync', tableName: 'run_stream' })
export class RunStream {
  [OptionalProps]?: 'fetched' | 'emitted' | 'unchanged' | 'removed' | 'apiCalls' | 'rateLimited' | 'errors' | 'error';

  @ManyToOne({
    entity: () => SyncRun,
    primary: true,
    mapToPk: true,
    fieldName: 'run_id',
    deleteRule: 'cascade',
    updateRule: 'no action',
    foreignKeyName: 'run_stream_run_id_fkey',
  })
  runId!: string;

  @PrimaryKey({ type: 'text' })
  stream!: PartnerStackStream;

  @Enum({ items: [...STREAM_STATUSES] })
  status!: StreamStatus;

  @Property({ type: 'integer', default: 0 })
  fetched: number = 0;

  @Property({ type: 'integer', default: 0 })
  emitted: number = 0;

  @Property({ type: 'integer', default: 0 })
  unchanged: number = 0;

  @Property({ type: 'integer', default: 0 })
  removed: number = 0;

  @Property({ type: 'integer', default: 0 })
  apiCalls: number = 0;

  @Property({ type: 'integer', default: 0 })
  rateLimited: number = 0;

  @Property({ type: 'integer', default: 0 })
  errors: number = 0;

  @Property({ type: 'text', nullable: true })
  error: string | null = null;
}
