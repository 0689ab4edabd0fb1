import { BigIntType, Entity, Index, Property, Unique } from '@mikro-orm/core';

import { Link } from './link';
import { MarketplaceProgram } from './marketplace-program.entity';
import { SyncedRecord } from './synced-record.entity';

/** A vendor's partner program the agency belongs to; external key is the PartnerStack company key (`co_…`). */
@Entity({ schema: 'domain', tableName: 'program' })
@Unique({ name: 'program_tenant_external_key_unique', properties: ['tenantId', 'externalKey'] })
@Index({ name: 'program_tenant_id_marketplace_program_key_index', properties: ['tenantId', 'marketplaceProgramKey'] })
export class Program extends SyncedRecord {
  @Property({ type: new BigIntType('number'), nullable: true })
  sourceId!: number | null;

  @Property({ type: 'text', nullable: true })
  name!: string | null;

  @Property({ type: 'text', nullable: true })
  marketplaceProgramKey!: string | null;

  @Link(() => MarketplaceProgram, 'marketplace_program_id')
  marketplaceProgramId!: string | null;
}
