import { ApiProperty } from '@nestjs/swagger';

import { COMMISSION_KINDS, CommissionKind } from '@pp/domain';

import { ListQueryDto } from '../common/list-query.dto';
import { CREATED_AT_SORT, KeysetRow, ListSpec } from '../common/list-spec';
import { iso } from '../common/money';
import { ApiPartnerStackValue, KNOWN_PARTNERSHIP_STATUSES } from '../common/partnerstack-values.dto';
import { sql, table, tenant } from '../database/sql';

export class CommissionRuleDto {
  @ApiProperty({
    enum: COMMISSION_KINDS,
    description: 'How the offer pays, read from its type; unknown when unrecognised',
  })
  kind!: CommissionKind;
  @ApiProperty({ nullable: true, type: String, description: "PartnerStack's offer type, e.g. revenue_share or flat" })
  sourceType!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Percent for revenue share, amount for flat offers' })
  rate!: number | null;
  @ApiProperty({ nullable: true, type: String }) currency!: string | null;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
}

export class CompanyRef {
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) id!: string | null;
  @ApiProperty({ nullable: true, type: String }) externalKey!: string | null;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
}

export class GroupRef {
  @ApiProperty({ nullable: true, type: String }) key!: string | null;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) slug!: string | null;
}

export class ProgramDto {
  @ApiProperty({ format: 'uuid', description: 'Our id of the partnership (the agency in this program)' }) id!: string;
  @ApiProperty({ description: "PartnerStack's partnership key" }) externalKey!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiPartnerStackValue(KNOWN_PARTNERSHIP_STATUSES, {
    description: "PartnerStack's partnership status",
    nullable: true,
  })
  status!: string | null;
  @ApiProperty({ nullable: true, type: Boolean }) claimed!: boolean | null;
  @ApiProperty() archived!: boolean;
  @ApiProperty({ nullable: true, type: Boolean }) hasSubId!: boolean | null;
  @ApiProperty({ type: CompanyRef }) company!: CompanyRef;
  @ApiProperty({ type: GroupRef, nullable: true, description: 'Group / tier' }) group!: GroupRef | null;
  @ApiProperty({ nullable: true, type: String }) referralLink!: string | null;
  @ApiProperty({
    type: [CommissionRuleDto],
    description: 'The offers in force now (their history: GET /v1/programs/{id}/offers)',
  })
  commissionRules!: CommissionRuleDto[];
  @ApiProperty({ nullable: true, type: Number, description: 'Percent of each transaction, when the program pays one' })
  revenueShareRate!: number | null;
  @ApiProperty({ nullable: true, type: String }) removedUpstreamAt!: string | null;
}

export interface ProgramRow extends KeysetRow {
  external_key: string;
  created: Date;
  name: string | null;
  status: string | null;
  claimed: boolean | null;
  archived: boolean;
  has_sub_id: boolean | null;
  company_id: string | null;
  company_external_key: string | null;
  group_key: string | null;
  group_name: string | null;
  group_slug: string | null;
  referral_link_url: string | null;
  rules: Array<{
    kind: CommissionKind;
    source_type: string | null;
    rate: number | string | null;
    currency: string | null;
    description: string | null;
  }>;
  removed_upstream_at: Date | null;
  revenue_share_rate: number | null;
}

export const PROGRAM_COLUMNS = sql`p.id, p.external_key, coalesce(p.source_created_at, p.created_at) as created,
 coalesce(g.name, p.raw #>> '{company,name}') as name, p.status, p.claimed, p.archived, p.has_sub_id,
 g.id as company_id, coalesce(g.external_key, p.program_key) as company_external_key, p.group_key, p.group_name,
 p.group_slug, p.referral_link_url, rules.rules, p.removed_upstream_at, rr.rate as revenue_share_rate`;

export const PROGRAM_FROM = sql`${table('partnership', 'p')}
 left join ${table('program', 'g')} on g.id = p.program_id and ${tenant('g')}
 left join lateral (
   select coalesce(json_agg(json_build_object('kind', cr.kind, 'source_type', cr.source_type, 'rate', cr.rate,
          'currency', cr.currency, 'description', cr.description) order by cr.position), '[]'::json) as rules
     from ${table('commission_rule', 'cr')}
    where ${tenant('cr')} and cr.partnership_id = p.id and cr.valid_to is null) rules on true
 left join ${table('report_revenue_share_rate', 'rr')} on rr.partnership_id = p.id and ${tenant('rr')}`;

export function toProgram(row: ProgramRow): ProgramDto {
  const rules = row.rules.map((rule) => ({
    kind: rule.kind,
    sourceType: rule.source_type,
    rate: rule.rate === null ? null : Number(rule.rate),
    currency: rule.currency,
    description: rule.description,
  }));
  return {
    id: row.id,
    externalKey: row.external_key,
    name: row.name,
    createdAt: iso(row.created) as string,
    status: row.status,
    claimed: row.claimed,
    archived: row.archived,
    hasSubId: row.has_sub_id,
    company: { id: row.company_id, externalKey: row.company_external_key, name: row.name },
    group: row.group_key || row.group_name ? { key: row.group_key, name: row.group_name, slug: row.group_slug } : null,
    referralLink: row.referral_link_url,
    commissionRules: rules,
    // The rate the missed-reward rules apply (the view domain.report_revenue_share_rate), not a second reading of the rules.
    revenueShareRate: row.revenue_share_rate,
    removedUpstreamAt: iso(row.removed_upstream_at),
  };
}

const created = 'coalesce(p.source_created_at, p.created_at)';

export const programList: ListSpec<ListQueryDto, ProgramRow, ProgramDto> = {
  resource: 'programs',
  select: PROGRAM_COLUMNS,
  from: PROGRAM_FROM,
  scope: tenant('p'),
  idExpression: 'p.id',
  createdExpression: created,
  removedExpression: 'p.removed_upstream_at',
  sortColumns: [CREATED_AT_SORT(created)],
  defaultSort: '-createdAt',
  statusExpression: 'p.status',
  search: (pattern) =>
    sql`(p.external_key ilike ${pattern} or g.name ilike ${pattern} or p.group_name ilike ${pattern})`,
  map: toProgram,
  csv: [
    { header: 'id', value: (item) => item.id },
    { header: 'external_key', value: (item) => item.externalKey },
    { header: 'name', value: (item) => item.name },
    { header: 'created_at', value: (item) => item.createdAt },
    { header: 'status', value: (item) => item.status },
    { header: 'group', value: (item) => item.group?.name },
    { header: 'referral_link', value: (item) => item.referralLink },
    { header: 'revenue_share_rate', value: (item) => item.revenueShareRate },
    {
      header: 'commission_rules',
      value: (item) => item.commissionRules.map((rule) => rule.description ?? rule.kind).join('; '),
    },
    { header: 'removed_upstream_at', value: (item) => item.removedUpstreamAt },
  ],
};
