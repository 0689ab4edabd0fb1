import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

export const COMMISSION_KINDS = ['percentage', 'flat', 'unknown'] as const;
export type CommissionKind = (typeof COMMISSION_KINDS)[number];

/** One offer of a partnership, replaced whenever a newer version of the partnership arrives. */
@Entity({ schema: 'domain', tableName: 'commission_rule' })
export class CommissionRule {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  @Property({ type: 'uuid' })
  partnershipId!: string;

  /** Index of the offer in the partnership's `offers[]`. */
  @Property({ type: 'integer' })
  position!: number;

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

  @Property({ type: 'timestamptz' })
  createdAt!: Date;
}
