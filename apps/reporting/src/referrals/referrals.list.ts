import { BadRequestException } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

import { ListQueryDto } from '../common/list-query.dto';
import { CREATED_AT_SORT, KeysetRow, ListSpec } from '../common/list-spec';
import { iso } from '../common/money';
import { PROGRAM_REF_COLUMNS, programJoin, ProgramRef, programRef, ProgramRefRow } from '../common/program-ref';
import { sql, table, tenant } from '../database/sql';

/** Ours, not PartnerStack's (customers have no status there): the normalizer derives it from archived and has_paid. */
export const REFERRAL_STATUSES = ['referred', 'converted', 'archived'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/**
 * Where a referral stands in the client's journey, derived in SQL when read from what PartnerStack exposes. The
 * first rule that holds wins: `lost`, PartnerStack no longer returns the customer; `churned`, PartnerStack archived
 * it; `paying`, its `has_paid` is true; `signed_up`, it has a reward PartnerStack still returns (a sign-up or action
 * bounty, or a commission: the vendor recorded the customer beyond the referral); `referred`, none of these.
 */
export const ASSIGNMENT_STATUSES = ['referred', 'signed_up', 'paying', 'churned', 'lost'] as const;
export type AssignmentStatus = (typeof ASSIGNMENT_STATUSES)[number];

const ASSIGNMENT_STATUS = sql`case when c.removed_upstream_at is not null then 'lost' when c.archived then 'churned'
 when c.has_paid then 'paying'
 when exists (select from ${table('reward', 'ra')} where ${tenant('ra')} and ra.referral_id = c.id and ra.removed_upstream_at is null)
 then 'signed_up' else 'referred' end`;

export class ReferralListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({
    enum: ASSIGNMENT_STATUSES,
    description:
      'Only referrals in this assignment status (`lost` needs includeRemoved=true: they are the removed ones)',
  })
  @IsOptional()
  @IsIn(ASSIGNMENT_STATUSES)
  assignmentStatus?: AssignmentStatus;
}

export class AccountRef {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() externalKey!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) countryIso!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The vendor's own customer id" })
  vendorCustomerKey!: string | null;
}

export class ContactRef {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
}

export class ReferralDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: "PartnerStack's customer key" }) externalKey!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({
    enum: REFERRAL_STATUSES,
    description: 'archived if PartnerStack archived it, else converted once it paid',
  })
  status!: ReferralStatus;
  @ApiProperty({
    enum: ASSIGNMENT_STATUSES,
    description:
      'Derived when read; the first that holds: lost (PartnerStack no longer returns it), churned (archived), ' +
      'paying (has_paid), signed_up (has a reward PartnerStack still returns), else referred',
  })
  assignmentStatus!: AssignmentStatus;
  @ApiProperty({ nullable: true, type: Boolean, description: "PartnerStack's has_paid" }) hasPaid!: boolean | null;
  @ApiProperty() archived!: boolean;
  @ApiProperty({ type: [String] }) subIds!: string[];
  @ApiProperty({ nullable: true, type: String }) firstReferredAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) convertedAt!: string | null;
  @ApiProperty({ type: ProgramRef, nullable: true }) program!: ProgramRef | null;
  @ApiProperty({ type: AccountRef, nullable: true }) account!: AccountRef | null;
  @ApiProperty({ type: ContactRef, nullable: true }) contact!: ContactRef | null;
  @ApiProperty({ nullable: true, type: String }) removedUpstreamAt!: string | null;
}

export interface ReferralRow extends KeysetRow, ProgramRefRow {
  external_key: string;
  created: Date;
  status: ReferralStatus;
  assignment_status: AssignmentStatus;
  has_paid: boolean | null;
  archived: boolean;
  sub_ids: string[];
  first_referred_at: Date | null;
  converted_at: Date | null;
  removed_upstream_at: Date | null;
  account_id: string | null;
  account_external_key: string | null;
  account_name: string | null;
  account_country_iso: string | null;
  account_vendor_customer_key: string | null;
  contact_id: string | null;
  contact_email: string | null;
  contact_name: string | null;
}

export const REFERRAL_COLUMNS = sql`c.id, c.external_key, coalesce(c.source_created_at, c.created_at) as created, c.status,
 ${ASSIGNMENT_STATUS} as assignment_status,
 c.has_paid, c.archived, c.sub_ids, c.first_referred_at, c.converted_at, c.removed_upstream_at,
 a.id as account_id, a.external_key as account_external_key, a.name as account_name, a.country_iso as account_country_iso,
 a.vendor_customer_key as account_vendor_customer_key,
 ct.id as contact_id, coalesce(ct.email, c.contact_email) as contact_email, ct.name as contact_name, ${PROGRAM_REF_COLUMNS}`;

export const REFERRAL_FROM = sql`${table('referral', 'c')}
 left join ${table('account', 'a')} on a.id = c.account_id and ${tenant('a')}
 left join ${table('contact', 'ct')} on ct.id = c.contact_id and ${tenant('ct')}${programJoin('c')}`;

export function toReferral(row: ReferralRow): ReferralDto {
  return {
    id: row.id,
    externalKey: row.external_key,
    createdAt: iso(row.created) as string,
    status: row.status,
    assignmentStatus: row.assignment_status,
    hasPaid: row.has_paid,
    archived: row.archived,
    subIds: row.sub_ids ?? [],
    firstReferredAt: iso(row.first_referred_at),
    convertedAt: iso(row.converted_at),
    program: programRef(row),
    account: row.account_id
      ? {
          id: row.account_id,
          externalKey: row.account_external_key ?? '',
          name: row.account_name,
          countryIso: row.account_country_iso,
          vendorCustomerKey: row.account_vendor_customer_key,
        }
      : null,
    contact:
      row.contact_id && row.contact_email
        ? { id: row.contact_id, email: row.contact_email, name: row.contact_name }
        : null,
    removedUpstreamAt: iso(row.removed_upstream_at),
  };
}

const created = 'coalesce(c.source_created_at, c.created_at)';

function assignmentStatusFilter(status: AssignmentStatus, query: ReferralListQueryDto) {
  // Lost referrals are exactly the removed ones, which the list leaves out by default: an empty page would mislead.
  if (status === 'lost' && !query.includeRemoved) {
    throw new BadRequestException(
      'assignmentStatus=lost needs includeRemoved=true: lost referrals are the removed ones',
    );
  }
  return sql`(${ASSIGNMENT_STATUS}) = ${status}`;
}

export const referralList: ListSpec<ReferralListQueryDto, ReferralRow, ReferralDto> = {
  resource: 'referrals',
  select: REFERRAL_COLUMNS,
  from: REFERRAL_FROM,
  scope: tenant('c'),
  idExpression: 'c.id',
  createdExpression: created,
  removedExpression: 'c.removed_upstream_at',
  sortColumns: [CREATED_AT_SORT(created)],
  defaultSort: '-createdAt',
  programExpression: 'c.partnership_id',
  statusExpression: 'c.status',
  search: (pattern) =>
    sql`(c.external_key ilike ${pattern} or a.name ilike ${pattern} or c.contact_email ilike ${pattern} or ct.name ilike ${pattern})`,
  extraFilters: (query) => [
    query.assignmentStatus === undefined ? undefined : assignmentStatusFilter(query.assignmentStatus, query),
  ],
  map: toReferral,
  csv: [
    { header: 'id', value: (item) => item.id },
    { header: 'external_key', value: (item) => item.externalKey },
    { header: 'created_at', value: (item) => item.createdAt },
    { header: 'status', value: (item) => item.status },
    { header: 'has_paid', value: (item) => item.hasPaid },
    { header: 'archived', value: (item) => item.archived },
    { header: 'account_name', value: (item) => item.account?.name },
    { header: 'contact_email', value: (item) => item.contact?.email },
    { header: 'program_id', value: (item) => item.program?.id },
    { header: 'program_name', value: (item) => item.program?.name },
    { header: 'sub_ids', value: (item) => item.subIds.join(' ') },
    { header: 'removed_upstream_at', value: (item) => item.removedUpstreamAt },
    { header: 'assignment_status', value: (item) => item.assignmentStatus },
  ],
};
