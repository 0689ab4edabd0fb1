import { BigIntType, Entity, Property } from '@mikro-orm/core';

import { SyncedRecord } from './synced-record.entity';

/** A withdrawal (`pay_…`). */
@Entity({ schema: 'domain', tableName: 'payout' })
export class Payout extends SyncedRecord {
  /** PartnerStack's numeric id, which rewards reference as `payout_id`. */
  @Property({ type: 'text', nullable: true })
  sourceId!: string | null;

  @Property({ type: new BigIntType('number') })
  amount!: number;

  @Property({ type: 'text' })
  currency!: string;

  @Property({ type: 'text', nullable: true })
  status!: string | null;

  @Property({ type: 'text', nullable: true })
  providerType!: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  withdrawalDate!: Date | null;
}
