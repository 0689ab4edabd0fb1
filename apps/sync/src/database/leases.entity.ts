import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** The scheduler's leadership: one row per name, held by whoever renewed it last before it expired. */
@Entity({ schema: 'sync', tableName: 'leader_lease' })
export class LeaderLease {
  @PrimaryKey({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  holder!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;
}

/** The per-org sync lease: the worker running a connection's run, while it keeps renewing it. */
@Entity({ schema: 'sync', tableName: 'org_lease' })
export class OrgLease {
  @PrimaryKey({ type: 'text' })
  connectionId!: string;

  @Property({ type: 'text' })
  holder!: string;

  @Property({ type: 'text' })
  runId!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;
}
