import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

import type { AuditAction } from './audit.repository';

/** Who did what to an org's connection and when; never the token, at most its hint. */
@Entity({ schema: 'credentials', tableName: 'audit_event' })
@Index({
  name: 'audit_event_tenant_idx',
  expression: 'create index audit_event_tenant_idx on credentials.audit_event (tenant_id, id desc)',
})
export class AuditEvent {
  [OptionalProps]?: 'occurredAt';

  /** A bigserial, read as a string (it is the page cursor, and may outgrow a JS number). */
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  @Property({ type: 'uuid' })
  connectionId!: string;

  @Property({ type: 'text' })
  action!: AuditAction;

  /** The user (JWT sub); null for changes the system made. */
  @Property({ type: 'text', nullable: true })
  actorUserId!: string | null;

  @Property({ type: 'text', nullable: true })
  tokenHint!: string | null;

  @Property({ type: 'text', nullable: true })
  detail!: string | null;

  @Property({ type: 'text', nullable: true })
  correlationId!: string | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  occurredAt!: Date;
}
