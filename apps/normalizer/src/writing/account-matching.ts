import type { Knex } from '@mikro-orm/knex';

import { MATCH_GROUP_COLUMNS, matchableDomainSql, matchKeySql } from '@pp/domain';

import { keyOf, keysParam, keysRecordset, RowKey } from './batch-keys';

/** Lists travel as one JSON parameter, as keys do (knex would expand an array into a list of parameters). */
const list = (values: Iterable<string>) => JSON.stringify([...values]);
const TEXTS = 'array(select jsonb_array_elements_text(?::jsonb))';
const UUIDS = 'array(select jsonb_array_elements_text(?::jsonb)::uuid)';

/**
 * Step 1: what the matcher knows of the written accounts is brought up to date (their matchable domain and
 * normalized name); returns, per account whose domain or name changed (or that is new), its old name and group.
 * Accounts written with the same domain and name (the usual re-sync of a customer) stop here.
 */
const REFRESH_SQL = `with incoming as (
  select a.id as account_id, a.tenant_id, ${matchableDomainSql('a.contact_email')} as domain, a.name_normalized
  from ${keysRecordset()}
  join domain.account a on a.tenant_id = k.tenant_id and a.external_key = k.external_key
), old as (
  select m.account_id, m.name_normalized, m.match_key from domain.account_match m
  join incoming i on i.account_id = m.account_id
), refreshed as (
  insert into domain.account_match as m
    (account_id, tenant_id, domain, name_normalized, match_key, client_account_id, matched_by, match_keys, matched_at)
  select account_id, tenant_id, domain, name_normalized, 'a:' || account_id, account_id, 'single', '{}', now()
  from incoming
  on conflict (account_id) do update set domain = excluded.domain, name_normalized = excluded.name_normalized
  where (m.domain, m.name_normalized) is distinct from (excluded.domain, excluded.name_normalized)
  returning m.account_id, (m.xmax::text = '0') as inserted
)
select i.tenant_id, i.account_id, i.name_normalized as name, o.name_normalized as old_name, o.match_key as old_key,
  r.inserted
from refreshed r join incoming i on i.account_id = r.account_id left join old o on o.account_id = r.account_id`;

/**
 * Step 2: the group key of the changed accounts and of the accounts without a domain that share a name with them
 * (old or new): the domain; else the name when no domain, or exactly one, is seen under that name; else alone.
 * Returns the keys that lost or gained a member.
 */
const REKEY_SQL = `with names as (
  select m.name_normalized, coalesce(array_agg(distinct m.domain) filter (where m.domain is not null), '{}') as domains
  from domain.account_match m
  where m.tenant_id = ?::text and m.name_normalized = any(${TEXTS})
  group by 1
), target as (
  select m.account_id, ${matchKeySql('m', 'n.domains')} as match_key
  from domain.account_match m
  left join names n on n.name_normalized = m.name_normalized
  where m.tenant_id = ?::text
    and (m.account_id = any(${UUIDS})
      or (m.domain is null and m.name_normalized = any(${TEXTS})))
)
update domain.account_match m set match_key = t.match_key
from target t join domain.account_match o on o.account_id = t.account_id
where m.account_id = t.account_id and m.match_key <> t.match_key
returning o.match_key as old_key, t.match_key as new_key`;

/**
 * Step 3: each touched group's client account (its oldest account: PartnerStack's creation time, then customer key,
 * so never the arrival order), why its members are together and on what; every member whose client account
 * changed, and every new account, gets a history row.
 */
const REGROUP_SQL = `with fresh as (
  select unnest(${UUIDS}) as account_id
), members as (
  select m.account_id, m.match_key, m.domain, m.name_normalized, a.source_created_at, a.external_key
  from domain.account_match m join domain.account a on a.id = m.account_id
  where m.tenant_id = ?::text and m.match_key = any(${TEXTS})
), decided as (
  select match_key, ${MATCH_GROUP_COLUMNS} from members group by match_key
), updated as (
  update domain.account_match m set client_account_id = d.client_account_id, matched_by = d.matched_by,
    match_keys = d.match_keys, matched_at = now()
  from decided d, domain.account_match o
  where m.tenant_id = ?::text and m.match_key = d.match_key and o.account_id = m.account_id
    and ((m.client_account_id, m.matched_by, m.match_keys) is distinct from (d.client_account_id, d.matched_by, d.match_keys)
      or m.account_id in (select account_id from fresh))
  returning m.tenant_id, m.account_id, o.client_account_id as old_client_account_id, d.client_account_id,
    d.matched_by, d.match_keys, m.account_id in (select account_id from fresh) as first_match
)
insert into domain.account_match_history
  (tenant_id, account_id, from_client_account_id, to_client_account_id, matched_by, match_keys)
select tenant_id, account_id, case when not first_match then old_client_account_id end, client_account_id,
  matched_by, match_keys
from updated
where first_match or old_client_account_id <> client_account_id`;

interface RefreshedAccount {
  tenant_id: string;
  account_id: string;
  name: string | null;
  old_name: string | null;
  old_key: string | null;
  inserted: boolean;
}

/** A tenant's accounts whose domain or name changed in the batch. */
interface TenantChanges {
  accounts: string[];
  inserted: string[];
  names: Set<string>;
  keys: Set<string>;
}

/**
 * Account matching (docs/normalizer.md): after a batch's upserts, the accounts it wrote are regrouped into client
 * accounts, per tenant. The work is bounded by what changed: nothing beyond one indexed statement when no written
 * account changed its domain or name, else the groups those accounts leave or join and the same-name accounts
 * without a domain. The result is a function of the stored accounts only, so it is the same in any arrival order.
 */
export class AccountMatcher {
  public async match(trx: Knex.Transaction, written: RowKey[]): Promise<void> {
    if (written.length === 0) return;
    // Tied versions of one account are written in successive rounds: one upsert cannot touch a row twice.
    const accounts = [...new Map(written.map((key) => [keyOf(key), key])).values()];
    const refreshed = await trx.raw<{ rows: RefreshedAccount[] }>(REFRESH_SQL, [keysParam(accounts)]);
    const byTenant = new Map<string, TenantChanges>();
    for (const row of refreshed.rows) {
      const changes =
        byTenant.get(row.tenant_id) ??
        byTenant
          .set(row.tenant_id, { accounts: [], inserted: [], names: new Set(), keys: new Set() })
          .get(row.tenant_id)!;
      changes.accounts.push(row.account_id);
      if (row.inserted) changes.inserted.push(row.account_id);
      for (const name of [row.name, row.old_name]) if (name !== null) changes.names.add(name);
      changes.keys.add(row.old_key ?? `a:${row.account_id}`);
    }
    for (const [tenantId, changes] of byTenant) await this.regroup(trx, tenantId, changes);
  }

  private async regroup(trx: Knex.Transaction, tenantId: string, changes: TenantChanges): Promise<void> {
    const names = list(changes.names);
    const rekeyed = await trx.raw<{ rows: { old_key: string; new_key: string }[] }>(REKEY_SQL, [
      tenantId,
      names,
      tenantId,
      list(changes.accounts),
      names,
    ]);
    for (const row of rekeyed.rows) changes.keys.add(row.old_key).add(row.new_key);
    await trx.raw(REGROUP_SQL, [list(changes.inserted), tenantId, list(changes.keys), tenantId]);
  }
}
