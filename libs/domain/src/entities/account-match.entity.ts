import { ArrayType, Entity, Index, ManyToOne, Property } from '@mikro-orm/core';

import { Account } from './account.entity';

/** Why the accounts of one client account are together (docs/normalizer.md, Account matching). */
export const MATCHED_BY = ['domain', 'name', 'single'] as const;
export type MatchedBy = (typeof MATCHED_BY)[number];

/**
 * Which client account a PartnerStack customer's account belongs to, per tenant: the customers that are one business
 * (one e-mail domain, or one exact name no domain contradicts) share `clientAccountId`, the id of the group's oldest
 * account. Written only by the normalizer's matcher after each batch; `domain` and `nameNormalized` are what it
 * matched on, kept here so a later batch finds the groups a changed customer leaves as well as those it joins.
 */
@Entity({ schema: 'domain', tableName: 'account_match' })
@Index({ name: 'account_match_tenant_id_name_normalized_index', properties: ['tenantId', 'nameNormalized'] })
@Index({ name: 'account_match_tenant_id_match_key_index', properties: ['tenantId', 'matchKey'] })
@Index({ name: 'account_match_tenant_id_client_account_id_index', properties: ['tenantId', 'clientAccountId'] })
export class AccountMatch {
  @ManyToOne({
    entity: () => Account,
    primary: true,
    mapToPk: true,
    fieldName: 'account_id',
    deleteRule: 'cascade',
    updateRule: 'no action',
  })
  accountId!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  /** The contact e-mail's domain, null when there is none or it is free mail (FREE_MAIL_DOMAINS). */
  @Property({ type: 'text', nullable: true })
  domain!: string | null;

  @Property({ type: 'text', nullable: true })
  nameNormalized!: string | null;

  /** The group: `d:<domain>`, `n:<name>` or `a:<account id>` (alone). */
  @Property({ type: 'text' })
  matchKey!: string;

  @Property({ type: 'uuid' })
  clientAccountId!: string;

  @Property({ type: 'text' })
  matchedBy!: MatchedBy;

  /** The domain and names the group was matched on; empty when alone. */
  @Property({ type: ArrayType, columnType: 'text[]', defaultRaw: `'{}'` })
  matchKeys!: string[];

  @Property({ type: 'timestamptz' })
  matchedAt!: Date;
}

/**
 * SQL of the matching rules, shared by the normalizer's matcher and the migration's backfill. The group key of an
 * account `m` (columns `account_id`, `domain`, `name_normalized`), given `domains`, the matchable domains seen under
 * its name (null when it has none): its own domain; else its name's one domain, or the name itself when no domain
 * is seen under it; else alone (no name, or two domains contradict the name).
 */
export function matchKeySql(m: string, domains: string): string {
  return `case
      when ${m}.domain is not null then 'd:' || ${m}.domain
      when ${m}.name_normalized is null or ${domains} is null then 'a:' || ${m}.account_id
      when cardinality(${domains}) = 0 then 'n:' || ${m}.name_normalized
      when cardinality(${domains}) = 1 then 'd:' || (${domains})[1]
      else 'a:' || ${m}.account_id
    end`;
}

/**
 * Per group (`group by match_key` over members with `account_id`, `domain`, `name_normalized`, `source_created_at`,
 * `external_key`): its client account, the oldest member by PartnerStack's creation time then customer key (never
 * the arrival order); why it is together; and the domain and the names it was matched on.
 */
export const MATCH_GROUP_COLUMNS = `(array_agg(account_id order by source_created_at asc nulls last, external_key))[1]
    as client_account_id,
  case when count(*) = 1 then 'single' when bool_and(domain is not null) then 'domain' else 'name' end as matched_by,
  case
    when count(*) = 1 then '{}'::text[]
    when match_key like 'd:%' and not bool_and(domain is not null) then array[substr(match_key, 3)]
      || coalesce(array_agg(distinct name_normalized order by name_normalized)
        filter (where domain is null and name_normalized is not null), '{}')
    else array[substr(match_key, 3)]
  end as match_keys`;
