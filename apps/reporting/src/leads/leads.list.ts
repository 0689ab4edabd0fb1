import { ApiProperty } from '@nestjs/swagger';

import { ListQueryDto } from '../common/list-query.dto';
import { CREATED_AT_SORT, KeysetRow, ListSpec } from '../common/list-spec';
import { ASSUMED_CURRENCY_WHEN_MISSING, iso, money, Money } from '../common/money';
import { ApiPartnerStackValue, KNOWN_LEAD_STATUSES } from '../common/partnerstack-values.dto';
import { sql, table, tenant } from '../database/sql';

export class LeadDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() externalKey!: string;
  @ApiProperty() createdAt!: string;
  @ApiPartnerStackValue(KNOWN_LEAD_STATUSES, {
    description: "PartnerStack's lead status (vendors name their own)",
    nullable: true,
  })
  status!: string | null;
  @ApiProperty({ nullable: true, type: Boolean }) approved!: boolean | null;
  @ApiProperty({ type: Money, nullable: true }) amount!: Money | null;
  @ApiProperty({ nullable: true, type: String }) accountName!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) accountId!: string | null;
  @ApiProperty({ nullable: true, type: String }) customerKey!: string | null;
  @ApiProperty({ nullable: true, type: String }) groupKey!: string | null;
  @ApiProperty({ nullable: true, type: String }) vendorExternalKey!: string | null;
  @ApiProperty({ nullable: true, type: String }) removedUpstreamAt!: string | null;
}

interface LeadRow extends KeysetRow {
  external_key: string;
  created: Date;
  status: string | null;
  approved: boolean | null;
  amount: number | null;
  currency: string | null;
  account_name: string | null;
  account_id: string | null;
  customer_key: string | null;
  group_key: string | null;
  vendor_external_key: string | null;
  removed_upstream_at: Date | null;
}

const created = 'coalesce(l.source_created_at, l.created_at)';

export const leadList: ListSpec<ListQueryDto, LeadRow, LeadDto> = {
  resource: 'leads',
  select: sql`l.id, l.external_key, coalesce(l.source_created_at, l.created_at) as created, l.status, l.approved,
 l.amount, l.currency, l.account_name, l.account_id, l.customer_key, l.group_key, l.vendor_external_key,
 l.removed_upstream_at`,
  from: table('lead', 'l'),
  scope: tenant('l'),
  idExpression: 'l.id',
  createdExpression: created,
  removedExpression: 'l.removed_upstream_at',
  sortColumns: [CREATED_AT_SORT(created)],
  defaultSort: '-createdAt',
  statusExpression: 'l.status',
  search: (pattern) => sql`(l.external_key ilike ${pattern} or l.account_name ilike ${pattern})`,
  map: (row) => ({
    id: row.id,
    externalKey: row.external_key,
    createdAt: iso(row.created) as string,
    status: row.status,
    approved: row.approved,
    amount: money(row.amount, row.currency ?? ASSUMED_CURRENCY_WHEN_MISSING),
    accountName: row.account_name,
    accountId: row.account_id,
    customerKey: row.customer_key,
    groupKey: row.group_key,
    vendorExternalKey: row.vendor_external_key,
    removedUpstreamAt: iso(row.removed_upstream_at),
  }),
  csv: [
    { header: 'id', value: (item) => item.id },
    { header: 'external_key', value: (item) => item.externalKey },
    { header: 'created_at', value: (item) => item.createdAt },
    { header: 'status', value: (item) => item.status },
    { header: 'approved', value: (item) => item.approved },
    { header: 'amount', value: (item) => item.amount?.amount },
    { header: 'currency', value: (item) => item.amount?.currency },
    { header: 'account_name', value: (item) => item.accountName },
    { header: 'customer_key', value: (item) => item.customerKey },
    { header: 'group_key', value: (item) => item.groupKey },
    { header: 'removed_upstream_at', value: (item) => item.removedUpstreamAt },
  ],
};
