import { ApiProperty } from '@nestjs/swagger';

import { ListQueryDto } from '../common/list-query.dto';
import { CREATED_AT_SORT, KeysetRow, ListSpec } from '../common/list-spec';
import { ASSUMED_CURRENCY_WHEN_MISSING, iso, money, Money } from '../common/money';
import { sql, table, tenant } from '../database/sql';

export class DealDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() externalKey!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String, description: "PartnerStack's stage, filtered with `status`" })
  stage!: string | null;
  @ApiProperty({ type: Money, nullable: true }) amount!: Money | null;
  @ApiProperty({ nullable: true, type: String }) closeDate!: string | null;
  @ApiProperty({ nullable: true, type: String }) accountName!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) accountId!: string | null;
  @ApiProperty({ nullable: true, type: String }) contactFirstName!: string | null;
  @ApiProperty({ nullable: true, type: String }) contactLastName!: string | null;
  @ApiProperty({ nullable: true, type: String }) lostReason!: string | null;
  @ApiProperty({ nullable: true, type: String }) source!: string | null;
  @ApiProperty({ nullable: true, type: String }) groupKey!: string | null;
  @ApiProperty({ nullable: true, type: String }) vendorExternalKey!: string | null;
  @ApiProperty({ nullable: true, type: String }) removedUpstreamAt!: string | null;
}

interface DealRow extends KeysetRow {
  external_key: string;
  created: Date;
  stage: string | null;
  amount: number | null;
  currency: string | null;
  close_date: string | null;
  account_name: string | null;
  account_id: string | null;
  contact_first_name: string | null;
  contact_last_name: string | null;
  lost_reason: string | null;
  deal_source: string | null;
  group_key: string | null;
  vendor_external_key: string | null;
  removed_upstream_at: Date | null;
}

const created = 'coalesce(d.source_created_at, d.created_at)';

export const dealList: ListSpec<ListQueryDto, DealRow, DealDto> = {
  resource: 'deals',
  select: sql`d.id, d.external_key, coalesce(d.source_created_at, d.created_at) as created, d.stage, d.amount,
 d.currency, d.close_date::text as close_date, d.account_name, d.account_id, d.contact_first_name, d.contact_last_name,
 d.lost_reason, d.deal_source, d.group_key, d.vendor_external_key, d.removed_upstream_at`,
  from: table('deal', 'd'),
  scope: tenant('d'),
  idExpression: 'd.id',
  createdExpression: created,
  removedExpression: 'd.removed_upstream_at',
  sortColumns: [CREATED_AT_SORT(created)],
  defaultSort: '-createdAt',
  statusExpression: 'd.stage',
  search: (pattern) =>
    sql`(d.external_key ilike ${pattern} or d.account_name ilike ${pattern} or d.contact_last_name ilike ${pattern})`,
  map: (row) => ({
    id: row.id,
    externalKey: row.external_key,
    createdAt: iso(row.created) as string,
    stage: row.stage,
    amount: money(row.amount, row.currency ?? ASSUMED_CURRENCY_WHEN_MISSING),
    closeDate: row.close_date,
    accountName: row.account_name,
    accountId: row.account_id,
    contactFirstName: row.contact_first_name,
    contactLastName: row.contact_last_name,
    lostReason: row.lost_reason,
    source: row.deal_source,
    groupKey: row.group_key,
    vendorExternalKey: row.vendor_external_key,
    removedUpstreamAt: iso(row.removed_upstream_at),
  }),
  csv: [
    { header: 'id', value: (item) => item.id },
    { header: 'external_key', value: (item) => item.externalKey },
    { header: 'created_at', value: (item) => item.createdAt },
    { header: 'stage', value: (item) => item.stage },
    { header: 'amount', value: (item) => item.amount?.amount },
    { header: 'currency', value: (item) => item.amount?.currency },
    { header: 'close_date', value: (item) => item.closeDate },
    { header: 'account_name', value: (item) => item.accountName },
    { header: 'contact_first_name', value: (item) => item.contactFirstName },
    { header: 'contact_last_name', value: (item) => item.contactLastName },
    { header: 'lost_reason', value: (item) => item.lostReason },
    { header: 'removed_upstream_at', value: (item) => item.removedUpstreamAt },
  ],
};
