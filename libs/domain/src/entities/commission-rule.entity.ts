import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';

import { Partnership } from './partnership.entity';

export const COMMISSION_KINDS = ['percentage', 'flat', 'unknown'] as const;
export type CommissionKind = (typeof COMMISSION_KINDS)[number];

/**
 * One version of a partnership's offer, kept after it is gone: PartnerStack changes an offer by deleting it and
 * creating a new one (partnerstack-api.md §11), so this history is the only record of the rate an old transaction
 * earned. A version is one set of terms (`termsKey`); it is in force from `validFrom` until `validTo` (null while the
 * partnership still shows it). Derived from every partnership version seen, whatever their order of arrival.
 */
@Entity({ schema: 'domain', tableName: 'commission_rule' })
@Unique({ name: 'commission_rule_partnership_terms_unique', properties: ['partnershipId', 'termsKey'] })
@Index({ name: 'commission_rule_tenant_partnership_index', properties: ['tenantId', 'partnershipId'] })
export class CommissionRule {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  /** The rules go with their partnership; the key is PostgreSQL's default name (an inline `references`). */
  @ManyToOne({
    entity: () => Partnership,
    mapToPk: true,
    fieldName: 'partnership_id',
    deleteRule: 'cascade',
    updateRule: 'no action',
    foreignKeyName: 'commission_rule_partnership_id_fkey',
  })
  partnershipId!: string;

  /** Index of the offer in the partnership's `offers[]` (the lowest it was seen at). */
  @Property({ type: 'integer' })
  position!: number;

  /**
   * The offer's terms (key, type, rate, currency, description) as one text: what makes it a new version. The default
   * only serves rows written outside the normalizer, each a version of its own.
   */
  @Property({ type: 'text', defaultRaw: '(gen_random_uuid())::text' })
  termsKey!: string;

  /** PartnerStack's offer `key` [I], when given. */
  @Property({ type: 'text', nullable: true })
  offerKey!: string | null;

  /** PartnerStack's offer `created_at` [I], when given. */
  @Property({ type: 'timestamptz', nullable: true })
  offerCreatedAt!: Date | null;

  /**
   * When the offer came into force: its `created_at` when given, else the source time of the first partnership
   * version that showed it (OFFER_VALID_FROM in the normalizer's assumptions). The defaults only serve rows written
   * outside the normalizer.
   */
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  validFrom!: Date;

  /** The source time of the first partnership version after `lastVersionAt` without it; null while in force. */
  @Property({ type: 'timestamptz', nullable: true })
  validTo!: Date | null;

  /** The source times of the first and last partnership versions that showed it. */
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  firstVersionAt!: Date;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  lastVersionAt!: Date;

  /** When we first fetched a partnership version showing it. */
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  firstSeenAt!: Date;

  @Property({ type: 'text' })
  kind!: CommissionKind;

  /** PartnerStack's offer type as given (e.g. `revenue_share`). */
  @Property({ type: 'text', nullable: true })
  sourceType!: string | null;

  /** A percentage for `percentage` offers; the offer's `base_rate` as given for the others. */
  @Property({ type: 'decimal', columnType: 'numeric', nullable: true })
  rate!: string | null;

  @Property({ type: 'text', nullable: true })
  currency!: string | null;

  @Property({ type: 'text', nullable: true })
  description!: string | null;

  @Property({ type: 'jsonb' })
  raw!: Record<string, unknown>;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt!: Date;
}
