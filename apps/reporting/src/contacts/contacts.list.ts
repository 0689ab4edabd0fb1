import { ApiProperty, OmitType } from '@nestjs/swagger';

import {
  LinkKeysDto,
  LinkKeysRow,
  PROGRAM_MATCH_EXPRESSION,
  programMatchJoin,
  REFERRAL_KEY_COLUMNS,
  referralKeysJoin,
  toLinkKeys,
} from '../accounts/link-keys';
import { ListQueryDto } from '../common/list-query.dto';
import { CREATED_AT_SORT, KeysetRow, ListSpec } from '../common/list-spec';
import { iso } from '../common/money';
import { sql, table, tenant } from '../database/sql';

/** Contacts have no status of their own, so the list refuses `status` (unknown parameter) instead of ignoring it. */
export class ContactListQueryDto extends OmitType(ListQueryDto, ['status'] as const) {}

export class ContactDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The lower-cased e-mail: one contact per address across programs' })
  externalKey!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Its referrals PartnerStack still returns, all programs' })
  referralCount!: number;
  @ApiProperty({ type: LinkKeysDto }) linkKeys!: LinkKeysDto;
  @ApiProperty({ nullable: true, type: String }) removedUpstreamAt!: string | null;
}

export interface ContactRow extends KeysetRow, LinkKeysRow {
  external_key: string;
  created: Date;
  email: string;
  name: string | null;
  removed_upstream_at: Date | null;
}

export const CONTACT_COLUMNS = sql`ct.id, ct.external_key, coalesce(ct.source_created_at, ct.created_at) as created,
 ct.email, ct.name, ct.removed_upstream_at, ${REFERRAL_KEY_COLUMNS}`;

export const CONTACT_FROM = sql`${table('contact', 'ct')}${referralKeysJoin('contact_id', 'ct.id')}`;

export function toContact(row: ContactRow): ContactDto {
  return {
    id: row.id,
    externalKey: row.external_key,
    createdAt: iso(row.created) as string,
    email: row.email,
    name: row.name,
    referralCount: row.referral_count,
    linkKeys: toLinkKeys(row, [row.email]),
    removedUpstreamAt: iso(row.removed_upstream_at),
  };
}

const created = 'coalesce(ct.source_created_at, ct.created_at)';

/** The contact list; with `programId`, only contacts with a referral in that program (removed ones included). */
export function contactList(programId: string | undefined): ListSpec<ContactListQueryDto, ContactRow, ContactDto> {
  return {
    resource: 'contacts',
    select: CONTACT_COLUMNS,
    from:
      programId === undefined
        ? CONTACT_FROM
        : sql`${CONTACT_FROM}${programMatchJoin('contact_id', 'ct.id', programId)}`,
    scope: tenant('ct'),
    idExpression: 'ct.id',
    createdExpression: created,
    removedExpression: 'ct.removed_upstream_at',
    sortColumns: [CREATED_AT_SORT(created)],
    defaultSort: '-createdAt',
    programExpression: PROGRAM_MATCH_EXPRESSION,
    search: (pattern) => sql`(ct.email ilike ${pattern} or ct.name ilike ${pattern})`,
    map: toContact,
    csv: [
      { header: 'id', value: (item) => item.id },
      { header: 'external_key', value: (item) => item.externalKey },
      { header: 'created_at', value: (item) => item.createdAt },
      { header: 'email', value: (item) => item.email },
      { header: 'name', value: (item) => item.name },
      { header: 'referral_count', value: (item) => item.referralCount },
      { header: 'email_domains', value: (item) => item.linkKeys.emailDomains.join(' ') },
      { header: 'customer_keys', value: (item) => item.linkKeys.customerKeys.join(' ') },
      { header: 'program_ids', value: (item) => item.linkKeys.programs.map((program) => program.id).join(' ') },
      { header: 'removed_upstream_at', value: (item) => item.removedUpstreamAt },
    ],
  };
}
