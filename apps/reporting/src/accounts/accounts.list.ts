import { ApiProperty, OmitType } from '@nestjs/swagger';

import { MATCHED_BY, MatchedBy } from '@pp/domain';

import { ListQueryDto } from '../common/list-query.dto';
import { CREATED_AT_SORT, KeysetRow, ListSpec } from '../common/list-spec';
import { iso } from '../common/money';
import { sql, table, tenant } from '../database/sql';
import { ContactRef } from '../referrals/referrals.list';
import {
  clientAccountIds,
  LinkKeysDto,
  LinkKeysRow,
  PROGRAM_MATCH_EXPRESSION,
  programMatchJoin,
  REFERRAL_KEY_COLUMNS,
  referralKeysJoin,
  toLinkKeys,
} from './link-keys';

/** Accounts have no status of their own, so the list refuses `status` (unknown parameter) instead of ignoring it. */
export class AccountListQueryDto extends OmitType(ListQueryDto, ['status'] as const) {}

export class AccountDto {
  @ApiProperty({
    format: 'uuid',
    description: 'Our id of the client account: the id of its oldest customer account (docs/reporting.md)',
  })
  id!: string;
  @ApiProperty({ description: "PartnerStack's customer key of that oldest customer account" }) externalKey!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) countryIso!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The vendor's own customer id" })
  vendorCustomerKey!: string | null;
  @ApiProperty({ type: ContactRef, nullable: true, description: "The account's own contact" })
  contact!: ContactRef | null;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Its referrals PartnerStack still returns, all programs' })
  referralCount!: number;
  @ApiProperty({ type: LinkKeysDto }) linkKeys!: LinkKeysDto;
  @ApiProperty({
    enum: MATCHED_BY,
    description:
      'Why its PartnerStack customers are one client: one e-mail domain, one exact name no domain contradicts, or alone',
  })
  matchedBy!: MatchedBy;
  @ApiProperty({ type: [String], description: 'The domain and the normalized names it was matched on; empty alone' })
  matchKeys!: string[];
  @ApiProperty({ nullable: true, type: String }) removedUpstreamAt!: string | null;
}

export interface AccountRow extends KeysetRow, LinkKeysRow {
  external_key: string;
  created: Date;
  name: string | null;
  country_iso: string | null;
  vendor_customer_key: string | null;
  account_contact_email: string | null;
  removed_upstream_at: Date | null;
  contact_id: string | null;
  contact_email: string | null;
  contact_name: string | null;
  matched_by: MatchedBy | null;
  match_keys: string[] | null;
}

export const ACCOUNT_COLUMNS = sql`a.id, a.external_key, coalesce(a.source_created_at, a.created_at) as created, a.name,
 a.country_iso, a.vendor_customer_key, a.contact_email as account_contact_email, cr.removed_upstream_at,
 ct.id as contact_id, coalesce(ct.email, a.contact_email) as contact_email, ct.name as contact_name, am.matched_by, am.match_keys, ${REFERRAL_KEY_COLUMNS}`;

/**
 * A client account's row is its oldest customer account's (`a`); `am` says how the others were matched into it and
 * `cr` gathers them all: removed only when PartnerStack returns none of them, found by any one's name, key or e-mail.
 */
export const ACCOUNT_FROM = sql`${table('account', 'a')}
 left join ${table('account_match', 'am')} on am.account_id = a.id and ${tenant('am')}
 left join ${table('contact', 'ct')} on ct.id = a.contact_id and ${tenant('ct')}
 left join lateral (select case when bool_and(x.removed_upstream_at is not null) then max(x.removed_upstream_at) end
   as removed_upstream_at, array_agg(x.name) as names, array_agg(x.external_key) as keys,
   array_agg(x.contact_email) as emails
 from ${table('account', 'x')} where ${tenant('x')} and x.id = any(${clientAccountIds('a.id')})) cr on true${referralKeysJoin('client', 'a.id')}`;

/** Only client accounts: a customer account matched into another's is listed under that one. */
export const CLIENT_ACCOUNTS = sql`${tenant('a')} and (am.client_account_id is null or am.client_account_id = a.id)`;

export function toAccount(row: AccountRow): AccountDto {
  return {
    id: row.id,
    externalKey: row.external_key,
    createdAt: iso(row.created) as string,
    name: row.name,
    countryIso: row.country_iso,
    vendorCustomerKey: row.vendor_customer_key,
    contact:
      row.contact_id && row.contact_email
        ? { id: row.contact_id, email: row.contact_email, name: row.contact_name }
        : null,
    referralCount: row.referral_count,
    linkKeys: toLinkKeys(row, [row.account_contact_email, row.contact_email]),
    matchedBy: row.matched_by ?? 'single',
    matchKeys: row.match_keys ?? [],
    removedUpstreamAt: iso(row.removed_upstream_at),
  };
}

const created = 'coalesce(a.source_created_at, a.created_at)';

/** The account list; with `programId`, only accounts with a referral in that program (removed ones included). */
export function accountList(programId: string | undefined): ListSpec<AccountListQueryDto, AccountRow, AccountDto> {
  return {
    resource: 'accounts',
    select: ACCOUNT_COLUMNS,
    from: programId === undefined ? ACCOUNT_FROM : sql`${ACCOUNT_FROM}${programMatchJoin('client', 'a.id', programId)}`,
    scope: CLIENT_ACCOUNTS,
    idExpression: 'a.id',
    createdExpression: created,
    removedExpression: 'cr.removed_upstream_at',
    sortColumns: [CREATED_AT_SORT(created)],
    defaultSort: '-createdAt',
    programExpression: PROGRAM_MATCH_EXPRESSION,
    search: (pattern) =>
      sql`(a.vendor_customer_key ilike ${pattern} or ct.email ilike ${pattern} or ct.name ilike ${pattern}
 or exists (select 1 from unnest(cr.names || cr.keys || cr.emails) v
 where v ilike ${pattern}))`,
    map: toAccount,
    csv: [
      { header: 'id', value: (item) => item.id },
      { header: 'external_key', value: (item) => item.externalKey },
      { header: 'created_at', value: (item) => item.createdAt },
      { header: 'name', value: (item) => item.name },
      { header: 'country_iso', value: (item) => item.countryIso },
      { header: 'vendor_customer_key', value: (item) => item.vendorCustomerKey },
      { header: 'contact_email', value: (item) => item.contact?.email },
      { header: 'referral_count', value: (item) => item.referralCount },
      { header: 'emails', value: (item) => item.linkKeys.emails.join(' ') },
      { header: 'email_domains', value: (item) => item.linkKeys.emailDomains.join(' ') },
      { header: 'customer_keys', value: (item) => item.linkKeys.customerKeys.join(' ') },
      { header: 'program_ids', value: (item) => item.linkKeys.programs.map((program) => program.id).join(' ') },
      { header: 'removed_upstream_at', value: (item) => item.removedUpstreamAt },
      { header: 'matched_by', value: (item) => item.matchedBy },
      { header: 'match_keys', value: (item) => item.matchKeys.join(' ') },
    ],
  };
}
