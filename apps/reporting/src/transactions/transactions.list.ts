import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';

import { ListQueryDto } from '../common/list-query.dto';
import { CREATED_AT_SORT, KeysetRow, ListSpec } from '../common/list-spec';
import { iso, money, Money } from '../common/money';
import { PROGRAM_REF_COLUMNS, programJoin, ProgramRef, programRef, ProgramRefRow } from '../common/program-ref';
import { sql, table, tenant } from '../database/sql';

export class TransactionListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ description: 'Only refunded (true) or only unrefunded (false) transactions' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  refunded?: boolean;
}

export class TransactionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() externalKey!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: Money }) amount!: Money;
  @ApiProperty({ type: Money, nullable: true, description: "PartnerStack's conversion to USD" })
  amountUsd!: Money | null;
  @ApiProperty({ description: 'Archived by PartnerStack (refunded); left out of revenue' }) refunded!: boolean;
  @ApiProperty({ nullable: true, type: Boolean }) approved!: boolean | null;
  @ApiProperty({ nullable: true, type: String }) productKey!: string | null;
  @ApiProperty({ nullable: true, type: String }) categoryKey!: string | null;
  @ApiProperty({ nullable: true, type: String }) customerKey!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) referralId!: string | null;
  @ApiProperty({ type: ProgramRef, nullable: true }) program!: ProgramRef | null;
  @ApiProperty({ nullable: true, type: String }) removedUpstreamAt!: string | null;
}

export interface TransactionRow extends KeysetRow, ProgramRefRow {
  external_key: string;
  created: Date;
  amount: number;
  currency: string;
  amount_usd: number | null;
  refunded: boolean;
  approved: boolean | null;
  product_key: string | null;
  category_key: string | null;
  customer_key: string | null;
  referral_id: string | null;
  removed_upstream_at: Date | null;
}

export const TRANSACTION_COLUMNS = sql`t.id, t.external_key, coalesce(t.source_created_at, t.created_at) as created, t.amount,
 t.currency, t.amount_usd, t.refunded, t.approved, t.product_key, t.category_key, t.customer_key, t.referral_id,
 t.removed_upstream_at, ${PROGRAM_REF_COLUMNS}`;

export function toTransaction(row: TransactionRow): TransactionDto {
  return {
    id: row.id,
    externalKey: row.external_key,
    createdAt: iso(row.created) as string,
    amount: money(row.amount, row.currency) as Money,
    amountUsd: money(row.amount_usd, 'USD'),
    refunded: row.refunded,
    approved: row.approved,
    productKey: row.product_key,
    categoryKey: row.category_key,
    customerKey: row.customer_key,
    referralId: row.referral_id,
    program: programRef(row),
    removedUpstreamAt: iso(row.removed_upstream_at),
  };
}

const created = 'coalesce(t.source_created_at, t.created_at)';

export const transactionList: ListSpec<TransactionListQueryDto, TransactionRow, TransactionDto> = {
  resource: 'transactions',
  select: TRANSACTION_COLUMNS,
  from: sql`${table('billing_record', 't')}${programJoin('t')}`,
  scope: tenant('t'),
  idExpression: 't.id',
  createdExpression: created,
  removedExpression: 't.removed_upstream_at',
  sortColumns: [CREATED_AT_SORT(created), { name: 'amount', expression: 't.amount', sqlType: 'bigint' }],
  defaultSort: '-createdAt',
  programExpression: 't.partnership_id',
  search: (pattern) =>
    sql`(t.external_key ilike ${pattern} or t.customer_key ilike ${pattern} or t.product_key ilike ${pattern})`,
  extraFilters: (query) => [query.refunded === undefined ? undefined : sql`t.refunded = ${query.refunded}`],
  map: toTransaction,
  csv: [
    { header: 'id', value: (item) => item.id },
    { header: 'external_key', value: (item) => item.externalKey },
    { header: 'created_at', value: (item) => item.createdAt },
    { header: 'amount', value: (item) => item.amount.amount },
    { header: 'currency', value: (item) => item.amount.currency },
    { header: 'amount_usd', value: (item) => item.amountUsd?.amount },
    { header: 'refunded', value: (item) => item.refunded },
    { header: 'approved', value: (item) => item.approved },
    { header: 'product_key', value: (item) => item.productKey },
    { header: 'category_key', value: (item) => item.categoryKey },
    { header: 'customer_key', value: (item) => item.customerKey },
    { header: 'referral_id', value: (item) => item.referralId },
    { header: 'program_id', value: (item) => item.program?.id },
    { header: 'program_name', value: (item) => item.program?.name },
    { header: 'removed_upstream_at', value: (item) => item.removedUpstreamAt },
  ],
};
