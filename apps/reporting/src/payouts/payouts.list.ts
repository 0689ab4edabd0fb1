import { ApiProperty } from '@nestjs/swagger';

import { ListQueryDto } from '../common/list-query.dto';
import { CREATED_AT_SORT, KeysetRow, ListSpec } from '../common/list-spec';
import { iso, money, Money } from '../common/money';
import { ApiPartnerStackValue, KNOWN_PAYOUT_STATUSES } from '../common/partnerstack-values.dto';
import { sql, table, tenant } from '../database/sql';

export class PayoutDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() externalKey!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: Money }) amount!: Money;
  @ApiPartnerStackValue(KNOWN_PAYOUT_STATUSES, { description: "PartnerStack's payout status", nullable: true })
  status!: string | null;
  @ApiProperty({ nullable: true, type: String }) providerType!: string | null;
  @ApiProperty({ nullable: true, type: String }) sentAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) withdrawalDate!: string | null;
  @ApiProperty({ nullable: true, type: String }) removedUpstreamAt!: string | null;
}

interface PayoutRow extends KeysetRow {
  external_key: string;
  created: Date;
  amount: number;
  currency: string;
  status: string | null;
  provider_type: string | null;
  sent_at: Date | null;
  withdrawal_date: Date | null;
  removed_upstream_at: Date | null;
}

const created = 'coalesce(p.source_created_at, p.created_at)';

export const payoutList: ListSpec<ListQueryDto, PayoutRow, PayoutDto> = {
  resource: 'payouts',
  select: sql`p.id, p.external_key, coalesce(p.source_created_at, p.created_at) as created, p.amount, p.currency,
 p.status, p.provider_type, p.sent_at, p.withdrawal_date, p.removed_upstream_at`,
  from: table('payout', 'p'),
  scope: tenant('p'),
  idExpression: 'p.id',
  createdExpression: created,
  removedExpression: 'p.removed_upstream_at',
  sortColumns: [CREATED_AT_SORT(created), { name: 'amount', expression: 'p.amount', sqlType: 'bigint' }],
  defaultSort: '-createdAt',
  statusExpression: 'p.status',
  search: (pattern) => sql`p.external_key ilike ${pattern}`,
  map: (row) => ({
    id: row.id,
    externalKey: row.external_key,
    createdAt: iso(row.created) as string,
    amount: money(row.amount, row.currency) as Money,
    status: row.status,
    providerType: row.provider_type,
    sentAt: iso(row.sent_at),
    withdrawalDate: iso(row.withdrawal_date),
    removedUpstreamAt: iso(row.removed_upstream_at),
  }),
  csv: [
    { header: 'id', value: (item) => item.id },
    { header: 'external_key', value: (item) => item.externalKey },
    { header: 'created_at', value: (item) => item.createdAt },
    { header: 'amount', value: (item) => item.amount.amount },
    { header: 'currency', value: (item) => item.amount.currency },
    { header: 'status', value: (item) => item.status },
    { header: 'provider_type', value: (item) => item.providerType },
    { header: 'sent_at', value: (item) => item.sentAt },
    { header: 'withdrawal_date', value: (item) => item.withdrawalDate },
    { header: 'removed_upstream_at', value: (item) => item.removedUpstreamAt },
  ],
};
