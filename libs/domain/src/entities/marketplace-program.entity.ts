import { ArrayType, BigIntType, Entity, Property, Unique } from '@mikro-orm/core';

import { SyncedRecord } from './synced-record.entity';

/** A program listed in PartnerStack's marketplace (joined or not); external key is the company key. */
@Entity({ schema: 'domain', tableName: 'marketplace_program' })
@Unique({ name: 'marketplace_program_tenant_external_key_unique', properties: ['tenantId', 'externalKey'] })
export class MarketplaceProgram extends SyncedRecord {
  @Property({ type: new BigIntType('number'), nullable: true })
  sourceId!: number | null;

  @Property({ type: 'text', nullable: true })
  name!: string | null;

  @Property({ type: 'text', nullable: true })
  description!: string | null;

  @Property({ type: ArrayType, columnType: 'text[]', defaultRaw: `'{}'` })
  categories!: string[];

  @Property({ type: 'text', nullable: true })
  country!: string | null;

  @Property({ type: 'text', nullable: true })
  website!: string | null;

  @Property({ type: 'text', nullable: true })
  logo!: string | null;

  @Property({ type: 'boolean', nullable: true })
  hasSubId!: boolean | null;

  @Property({ type: 'jsonb', defaultRaw: `'[]'` })
  offers!: unknown[];

  @Property({ type: 'jsonb', defaultRaw: `'[]'` })
  promotions!: unknown[];
}
