import { ArrayType, BigIntType, Entity, Property } from '@mikro-orm/core';

import { SyncedRecord } from './synced-record.entity';

/** A PartnerStack transaction. Amounts are integer minor units of `currency` (JPY: yen). */
@Entity({ schema: 'domain', tableName: 'billing_record' })
export class BillingRecord extends SyncedRecord {
  @Property({ type: new BigIntType('number') })
  amount!: number;

  @Property({ type: 'text' })
  currency!: string;

  @Property({ type: new BigIntType('number'), nullable: true })
  amountUsd!: number | null;

  @Property({ type: 'text', nullable: true })
  productKey!: string | null;

  @Property({ type: 'text', nullable: true })
  categoryKey!: string | null;

  /** PartnerStack's `archived`: the transaction was refunded. */
  @Property({ type: 'boolean' })
  refunded!: boolean;

  @Property({ type: 'boolean', nullable: true })
  approved!: boolean | null;

  @Property({ type: 'text', nullable: true })
  partnershipKey!: string | null;

  @Property({ type: 'uuid', nullable: true })
  partnershipId!: string | null;

  @Property({ type: 'text', nullable: true })
  programKey!: string | null;

  @Property({ type: 'uuid', nullable: true })
  programId!: string | null;

  @Property({ type: 'text', nullable: true })
  customerKey!: string | null;

  @Property({ type: 'uuid', nullable: true })
  referralId!: string | null;

  @Property({ type: ArrayType, columnType: 'text[]' })
  subIds!: string[];
}
