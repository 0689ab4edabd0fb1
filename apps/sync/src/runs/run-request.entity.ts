import { Check, Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

import { SYNC_MODES } from '@pp/contracts';

import { Connection, SyncMode } from '../connections/connection.entity';

/** A requested run id answered by another run (`runId`), or failed at once (`error`). */
@Entity({ schema: 'sync', tableName: 'run_request' })
@Check({ name: 'run_request_check', expression: '(run_id is null) <> (error is null)' })
@Index({ name: 'run_request_run_idx', properties: ['runId'] })
export class RunRequest {
  [OptionalProps]?: 'requestedAt';

  @PrimaryKey({ type: 'text' })
  requestedId!: string;

  @ManyToOne({
    entity: () => Connection,
    mapToPk: true,
    fieldName: 'connection_id',
    deleteRule: 'cascade',
    updateRule: 'no action',
    foreignKeyName: 'run_request_connection_id_fkey',
  })
  connectionId!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  @Property({ type: 'text' })
  correlationId!: string;

  @Enum({ items: [...SYNC_MODES] })
  mode!: SyncMode;

  @Property({ type: 'text', nullable: true })
  runId!: string | null;

  @Property({ type: 'text', nullable: true })
  error!: string | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  requestedAt!: Date;
}
