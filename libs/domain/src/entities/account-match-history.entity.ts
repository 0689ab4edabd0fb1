import { ArrayType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import type { MatchedBy } from './account-match.entity';

/**
 * Every change of the client account a customer's account belongs to: a merge, and a split back when later data
 * contradicts the match. Kept when the account itself goes (no foreign key), so what was once reported together
 * can still be explained.
 */
@Entity({ schema: 'domain', tableName: 'account_match_history' })
@Index({
  name: 'account_match_history_tenant_id_account_id_changed_at_index',
  properties: ['tenantId', 'accountId', 'changedAt'],
})
export class AccountMatchHistory {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  @Property({ type: 'uuid' })
  accountId!: string;

  /** Null for the account's first match. */
  @Property({ type: 'uuid', nullable: true })
  fromClientAccountId!: string | null;

  @Property({ type: 'uuid' })
  toClientAccountId!: string;

  @Property({ type: 'text' })
  matchedBy!: MatchedBy;

  @Property({ type: ArrayType, columnType: 'text[]', defaultRaw: `'{}'` })
  matchKeys!: string[];

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  changedAt!: Date;
}
