import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * What every record synced from PartnerStack carries. `id` is ours (derived from tenant, kind and external key,
 * so it never changes across syncs); `externalKey` is PartnerStack's key, unique per tenant.
 */
@Entity({ abstract: true })
export abstract class SyncedRecord {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  @Property({ type: 'text' })
  externalKey!: string;

  @Property({ type: 'timestamptz', nullable: true })
  sourceCreatedAt!: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  sourceUpdatedAt!: Date | null;

  @Property({ type: 'timestamptz' })
  lastFetchedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  lastRemovalSeenAt!: Date | null;

  /** Set while PartnerStack no longer returns the record; the row is kept. */
  @Property({ type: 'timestamptz', nullable: true })
  removedUpstreamAt!: Date | null;

  /** The record exactly as PartnerStack returned it, so fields we do not map are not lost. */
  @Property({ type: 'jsonb' })
  raw!: Record<string, unknown>;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt!: Date;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt!: Date;
}
