import { ApiProperty } from '@nestjs/swagger';

import { ProgramRef } from '../common/program-ref';
import { raw, Sql, sql, table, tenant } from '../database/sql';

/**
 * What a CRM can match a client or a person on, gathered from the record and the referrals (PartnerStack
 * customers) behind it, so the main app can attach its own CRM record without guessing.
 */
export class LinkKeysDto {
  @ApiProperty({
    type: [String],
    description: 'Lower-cased domains of `emails`, sorted; free-mail domains (gmail.com…) are listed as they are',
  })
  emailDomains!: string[];

  @ApiProperty({ type: [String], description: 'Lower-cased e-mail addresses, sorted' })
  emails!: string[];

  @ApiProperty({ type: [String], description: "PartnerStack's customer keys (`cus_…`) of its referrals, sorted" })
  customerKeys!: string[];

  @ApiProperty({ type: [ProgramRef], description: 'The programs of its referrals, by externalKey' })
  programs!: ProgramRef[];
}

/**
 * How referrals belong to the owner: by their contact, or by their account's client account (`client`: the referrals
 * of every customer account matched into the client account `owner`, docs/normalizer.md, Account matching).
 */
export type ReferralLink = 'client' | 'contact_id';

/**
 * The customer accounts of the client account `owner` (an id expression): those the normalizer matched into it, and
 * itself, so an account not matched yet (none is, for long) still has its own.
 */
export function clientAccountIds(owner: Sql | string): Sql {
  const id = typeof owner === 'string' ? raw(owner) : owner;
  return sql`array(select g.account_id from ${table('account_match', 'g')}
 where ${tenant('g')} and g.client_account_id = ${id} union select ${id})`;
}

function linkCondition(alias: string, link: ReferralLink, owner: string): Sql {
  return link === 'client'
    ? sql`${raw(alias)}.account_id = any(${clientAccountIds(owner)})`
    : sql`${raw(alias)}.contact_id = ${raw(owner)}`;
}

export interface LinkKeysRow {
  referral_count: number;
  customer_keys: string[];
  referral_emails: string[];
  programs: ProgramRef[];
}

/**
 * `k.*`: the referrals whose `link` column points at `owner` (an id expression of the outer query), counted
 * (those PartnerStack still returns) and reduced to their keys. Removed referrals still give their keys: a key
 * PartnerStack stopped returning still names the client in the CRM.
 */
export function referralKeysJoin(link: ReferralLink, owner: string): Sql {
  return sql` left join lateral (select count(*) filter (where rk.removed_upstream_at is null) as referral_count,
 coalesce(array_agg(distinct rk.external_key), '{}') as customer_keys,
 coalesce(array_agg(distinct lower(rk.contact_email)) filter (where rk.contact_email is not null), '{}') as referral_emails,
 coalesce(jsonb_agg(distinct jsonb_build_object('id', pk.id, 'externalKey', pk.external_key,
 'name', coalesce(gk.name, pk.raw #>> '{company,name}'))) filter (where pk.id is not null), '[]') as programs
 from ${table('referral', 'rk')}
 left join ${table('partnership', 'pk')} on pk.id = rk.partnership_id and ${tenant('pk')}
 left join ${table('program', 'gk')} on gk.id = pk.program_id and ${tenant('gk')}
 where ${tenant('rk')} and ${linkCondition('rk', link, owner)}) k on true`;
}

export const REFERRAL_KEY_COLUMNS = sql`k.referral_count, k.customer_keys, k.referral_emails, k.programs`;

/**
 * The ListSpec filters a program by an expression equal to the requested id; an account or contact is in every
 * program one of its referrals is in, so this request's one matching referral program is joined (none: no row).
 * `m.program_id` is that expression.
 */
export function programMatchJoin(link: ReferralLink, owner: string, programId: string): Sql {
  return sql` join lateral (select rm.partnership_id as program_id from ${table('referral', 'rm')}
 where ${tenant('rm')} and ${linkCondition('rm', link, owner)} and rm.partnership_id = ${programId}::uuid limit 1) m on true`;
}

export const PROGRAM_MATCH_EXPRESSION = 'm.program_id';

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  return at < 0 || at === email.length - 1 ? undefined : email.slice(at + 1).toLowerCase();
}

/** The link keys of a row with `REFERRAL_KEY_COLUMNS`, plus e-mails the record itself carries. */
export function toLinkKeys(row: LinkKeysRow, ownEmails: Array<string | null>): LinkKeysDto {
  const emails = sortedUnique(
    [...ownEmails, ...row.referral_emails]
      .filter((email): email is string => !!email)
      .map((email) => email.toLowerCase()),
  );
  return {
    emailDomains: sortedUnique(emails.map(emailDomain).filter((domain): domain is string => domain !== undefined)),
    emails,
    customerKeys: sortedUnique(row.customer_keys),
    programs: [...row.programs].sort((left, right) => left.externalKey.localeCompare(right.externalKey)),
  };
}
