import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/**
 * One change of a status-like field. Derived from the set of observed versions (ordered by source time), so the
 * history is the same whatever order the versions arrived in; the first observation has `fromValue` null.
 */
@Entity({ schema: 'domain', tableName: 'status_history' })
// One row per change of a field at a source time; a null value is a value like any other.
@Unique({
  name: 'status_history_unique',
  expression: `alter table domain.status_history add constraint status_history_unique unique nulls not distinct
    (tenant_id, entity_kind, entity_external_key, field, source_time, to_value)`,
})
@Index({
  name: 'status_history_tenant_id_entity_id_source_time_index',
  properties: ['tenantId', 'entityId', 'sourceTime'],
})
export class StatusHistory {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
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
