import { Migration } from '@mikro-orm/migrations';

import { MATCH_GROUP_COLUMNS, matchKeySql } from '../entities/account-match.entity';
import { matchableDomainSql } from '../free-mail-domains';

const TABLES = [
  `create table domain.account_match (
    account_id uuid not null,
    tenant_id text not null,
    domain text null,
    name_normalized text null,
    match_key text not null,
    client_account_id uuid not null,
    matched_by text not null,
    match_keys text[] not null default '{}',
    matched_at timestamptz not null,
    constraint account_match_pkey primary key (account_id)
  );`,
  'alter table domain.account_match add constraint account_match_account_id_foreign foreign key (account_id) references domain.account (id) on delete cascade;',
  'create index account_match_tenant_id_name_normalized_index on domain.account_match (tenant_id, name_normalized);',
  'create index account_match_tenant_id_match_key_index on domain.account_match (tenant_id, match_key);',
  'create index account_match_tenant_id_client_account_id_index on domain.account_match (tenant_id, client_account_id);',
  `create table domain.account_match_history (
    id uuid not null default gen_random_uuid(),
    tenant_id text not null,
    account_id uuid not null,
    from_client_account_id uuid null,
    to_client_account_id uuid not null,
    matched_by text not null,
    match_keys text[] not null default '{}',
    changed_at timestamptz not null default now(),
    constraint account_match_history_pkey primary key (id)
  );`,
  'create index account_match_history_tenant_id_account_id_changed_at_index on domain.account_match_history (tenant_id, account_id, changed_at);',
  // As the aggregates do: the default privileges only cover tables made by the role that set them.
  'grant select on domain.account_match, domain.account_match_history to pp_reporting_reader;',
];

/**
 * Every account there is, matched at once by the same rules the normalizer applies per batch from now on (exported
 * for the test that proves both give the same groups).
 */
export const ACCOUNT_MATCH_BACKFILL = `with base as (
  select a.id as account_id, a.tenant_id, ${matchableDomainSql('a.contact_email')} as domain, a.name_normalized,
    a.source_created_at, a.external_key
  from domain.account a
), names as (
  select tenant_id, name_normalized,
    coalesce(array_agg(distinct domain) filter (where domain is not null), '{}') as domains
  from base where name_normalized is not null group by 1, 2
), members as (
  select b.*, ${matchKeySql('b', 'n.domains')} as match_key
  from base b left join names n on n.tenant_id = b.tenant_id and n.name_normalized = b.name_normalized
), decided as (
  select tenant_id, match_key, ${MATCH_GROUP_COLUMNS} from members group by tenant_id, match_key
), matched as (
  insert into domain.account_match
    (account_id, tenant_id, domain, name_normalized, match_key, client_account_id, matched_by, match_keys, matched_at)
  select m.account_id, m.tenant_id, m.domain, m.name_normalized, m.match_key, d.client_account_id, d.matched_by,
    d.match_keys, now()
  from members m join decided d on d.tenant_id = m.tenant_id and d.match_key = m.match_key
  returning account_id, tenant_id, client_account_id, matched_by, match_keys
)
insert into domain.account_match_history (tenant_id, account_id, to_client_account_id, matched_by, match_keys)
select tenant_id, account_id, client_account_id, matched_by, match_keys from matched;`;

/**
 * Client accounts: the PartnerStack customers of one tenant that are one business, grouped by the normalizer
 * (docs/normalizer.md, Account matching), with the history of every merge and split.
 */
export class Migration20261204130000AccountMatching extends Migration {
  override async up(): Promise<void> {
    for (const statement of TABLES) this.addSql(statement);
    this.addSql(ACCOUNT_MATCH_BACKFILL);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists domain.account_match_history;');
    this.addSql('drop table if exists domain.account_match;');
  }
}
