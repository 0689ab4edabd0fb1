import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/**
 * One observed value of a status-like field at a source time. History (`StatusHistory`) is a function of this set,
 * so it is the same whatever the delivery order and however often a version is delivered.
 *
 * The table has no primary key, only the unique constraint below (a null value counts once, like any value);
 * MikroORM needs a key, so the entity names the same columns (see KEYLESS_TABLES in @pp/persistence's schema drift).
 */
@Entity({ schema: 'domain', tableName: 'status_observation' })
@Unique({
  name: 'status_observation_unique',
  expression: `alter table domain.status_observation add constraint status_observation_unique unique nulls not distinct
    (tenant_id, entity_kind, entity_external_key, field, source_time, value)`,
})
export class StatusObservation {
  @PrimaryKey({ type: 'text' })
  tenantId!: string;

  /** The table of the entity: `partnership`, `referral`, `billing_record`, `reward`, `payout`, `deal`, `lead`. */
  @PrimaryKey({ type: 'text' })
  entityKind!: string;

  @PrimaryKey({ type: 'text' })
  entityExternalKey!: string;

  @PrimaryKey({ type: 'text' })
  field!: string;

  /** The source `updated_at` of the version that showed the value. */
  @PrimaryKey({ type: 'timestamptz' })
  sourceTime!: Date;

  @PrimaryKey({ type: 'text', nullable: true })
  value!: string | null;

  @Property({ type: 'uuid' })
  entityId!: string;

  /** When we first fetched that version. */
  @Property({ type: 'timestamptz' })
  observedAt!: Date;
}
