import { ApiProperty, OmitType } from '@nestjs/swagger';

import { ListQueryDto } from '../common/list-query.dto';
import { CREATED_AT_SORT, KeysetRow, ListSpec } from '../common/list-spec';
import { iso } from '../common/money';
import { sql, table, tenant } from '../database/sql';
import { ContactRef } from '../referrals/referrals.list';
import {
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
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: "PartnerStack's customer key the account was first seen under" }) externalKey!: string;
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
}

export const ACCOUNT_COLUMNS = sql`a.id, a.external_key, coalesce(a.source_created_at, a.created_at) as created, a.name,
 a.country_iso, a.vendor_customer_key, a.contact_email as account_contact_email, a.removed_upstream_at,
 ct.id as contact_id, coalesce(ct.email, a.contact_email) as contact_email, ct.name as contact_name, ${REFERRAL_KEY_COLUMNS}`;

export const ACCOUNT_FROM = sql`${table('account', 'a')}
 left join ${table('contact', 'ct')} on ct.id = a.contact_id and ${tenant('ct')}${referralKeysJoin('account_id', 'a.id')}`;

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
    removedUpstreamAt: iso(row.removed_upstream_at),
  };
}

const created = 'coalesce(a.source_created_at, a.created_at)';

/** The account list; with `programId`, only accounts with a referral in that program (removed ones included). */
export function accountList(programId: string | undefined): ListSpec<AccountListQueryDto, AccountRow, AccountDto> {
  return {
    resource: 'accounts',
    select: ACCOUNT_COLUMNS,
    from:
      programId === undefined ? ACCOUNT_FROM : sql`${ACCOUNT_FROM}${programMatchJoin('account_id', 'a.id', programId)}`,
    scope: tenant('a'),
    idExpression: 'a.id',
    createdExpression: created,
    removedExpression: 'a.removed_upstream_at',
    sortColumns: [CREATED_AT_SORT(created)],
    defaultSort: '-createdAt',
    programExpression: PROGRAM_MATCH_EXPRESSION,
    search: (pattern) =>
      sql`(a.name ilike ${pattern} or a.external_key ilike ${pattern} or a.vendor_customer_key ilike ${pattern}
 or a.contact_email ilike ${pattern} or ct.email ilike ${pattern} or ct.name ilike ${pattern})`,
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
    ],
  };
}
