import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One change of a status-like field. Derived from the set of observed versions (ordered by source time), so the
 * history is the same whatever order the versions arrived in; the first observation has `fromValue` null.
 */
@Entity({ schema: 'domain', tableName: 'status_history' })
export class StatusHistory {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  /** The table of the entity: `partnership`, `referral`, `billing_record`, `reward`, `payout`, `deal`, `lead`. */
  @Property({ type: 'text' })
  entityKind!: string;

  @Property({ type: 'uuid' })
  entityId!: string;

  @Property({ type: 'text' })
  entityExternalKey!: string;

  @Property({ type: 'text' })
  field!: string;

  @Property({ type: 'text', nullable: true })
  fromValue!: string | null;

  @Property({ type: 'text', nullable: true })
  toValue!: string | null;

  /** The source `updated_at` of the version that showed the new value. */
  @Property({ type: 'timestamptz' })
  sourceTime!: Date;

  /** When we first fetched that version. */
  @Property({ type: 'timestamptz' })
  observedAt!: Date;
}
