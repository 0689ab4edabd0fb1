import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

import type { StreamStats } from '@pp/contracts';

/** A sync run as announced by `sync.run.started` / `sync.run.finished`; external key is the sync run id. */
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

  /** `running`, `succeeded`, `partial` or `failed`. */
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

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  updatedAt!: Date;
}
