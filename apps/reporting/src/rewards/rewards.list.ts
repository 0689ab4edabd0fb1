import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

import { REWARD_KINDS, RewardKind } from '@pp/domain';

import { ListQueryDto } from '../common/list-query.dto';
import { CREATED_AT_SORT, KeysetRow, ListSpec } from '../common/list-spec';
import { iso, money, Money } from '../common/money';
import { ApiPartnerStackValue, KNOWN_PAYMENT_STATUSES, KNOWN_REWARD_STATUSES } from '../common/partnerstack-values.dto';
import { PROGRAM_REF_COLUMNS, programJoin, ProgramRef, programRef, ProgramRefRow } from '../common/program-ref';
import { sql, table, tenant } from '../database/sql';

export class RewardListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ description: "PartnerStack's payment_status, e.g. available, failed, expired" })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  paymentStatus?: string;

  @ApiPropertyOptional({ enum: REWARD_KINDS, description: 'Only rewards of this kind, e.g. clawback or drip' })
  @IsOptional()
  @IsIn(REWARD_KINDS)
  kind?: RewardKind;
}

export class RewardDripDto {
  @ApiProperty({ type: 'integer', nullable: true, description: 'From 1' }) occurrence!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) occurrences!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) delayDays!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) cycleDays!: number | null;
}

export class RewardDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() externalKey!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: Money }) amount!: Money;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiPartnerStackValue(KNOWN_REWARD_STATUSES, { description: "PartnerStack's reward_status", nullable: true })
  rewardStatus!: string | null;
  @ApiPartnerStackValue(KNOWN_PAYMENT_STATUSES, { description: "PartnerStack's payment_status", nullable: true })
  paymentStatus!: string | null;
  @ApiProperty({ nullable: true, type: String }) declineReason!: string | null;
  @ApiProperty({ nullable: true, type: Boolean }) withdrawn!: boolean | null;
  @ApiProperty() recurrence!: string;
  @ApiProperty({
    enum: REWARD_KINDS,
    description:
      'What the reward pays for, derived from its source type, drip series and sign (PartnerStack has no such field); clawback: a negative reward reversing another',
  })
  kind!: RewardKind;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'A clawback: the reward it reverses, when its description names one we hold',
  })
  reversesRewardId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'A clawback: the key of the reward it reverses' })
  reversesRewardKey!: string | null;
  @ApiProperty({ nullable: true, type: RewardDripDto, description: 'A drip reward: its place in its series' })
  drip!: RewardDripDto | null;
  @ApiProperty({ nullable: true, type: String }) sourceType!: string | null;
  @ApiProperty({ nullable: true, type: String }) sourceKey!: string | null;
  @ApiProperty({ nullable: true, type: String }) paymentDate!: string | null;
  @ApiProperty({ nullable: true, type: String }) readyAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) referralId!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) transactionId!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) payoutId!: string | null;
  @ApiProperty({ type: ProgramRef, nullable: true }) program!: ProgramRef | null;
  @ApiProperty({ nullable: true, type: String }) removedUpstreamAt!: string | null;
}

export interface RewardRow extends KeysetRow, ProgramRefRow {
  external_key: string;
  created: Date;
  amount: number;
  currency: string;
  description: string | null;
  reward_status: string | null;
  payment_status: string | null;
  decline_reason: string | null;
  withdrawn: boolean | null;
  recurrence: string;
  kind: RewardKind;
  reversed_reward_id: string | null;
  reversed_reward_key: string | null;
  drip_occurrence: number | null;
  drip_occurrences: number | null;
  drip_delay_days: number | null;
  drip_cycle_days: number | null;
  source_type: string | null;
  source_key: string | null;
  payment_date: Date | null;
  ready_at: Date | null;
  referral_id: string | null;
  billing_record_id: string | null;
  payout_id: string | null;
  removed_upstream_at: Date | null;
}

export const REWARD_COLUMNS = sql`r.id, r.external_key, coalesce(r.source_created_at, r.created_at) as created, r.amount,
 r.currency, r.description, r.reward_status, r.payment_status, r.decline_reason, r.withdrawn, r.recurrence,
 r.kind, r.reversed_reward_id, r.reversed_reward_key, r.drip_occurrence, r.drip_occurrences, r.drip_delay_days,
 r.drip_cycle_days, r.source_type, r.source_key, r.payment_date, r.ready_at, r.referral_id, r.billing_record_id, r.payout_id,
 r.removed_upstream_at, ${PROGRAM_REF_COLUMNS}`;

export function toReward(row: RewardRow): RewardDto {
  return {
    id: row.id,
    externalKey: row.external_key,
    createdAt: iso(row.created) as string,
    amount: money(row.amount, row.currency) as Money,
    description: row.description,
    rewardStatus: row.reward_status,
    paymentStatus: row.payment_status,
    declineReason: row.decline_reason,
    withdrawn: row.withdrawn,
    recurrence: row.recurrence,
    kind: row.kind,
    reversesRewardId: row.reversed_reward_id,
    reversesRewardKey: row.reversed_reward_key,
    drip:
      row.drip_occurrences === null
        ? null
        : {
            occurrence: row.drip_occurrence,
            occurrences: row.drip_occurrences,
            delayDays: row.drip_delay_days,
            cycleDays: row.drip_cycle_days,
          },
    sourceType: row.source_type,
    sourceKey: row.source_key,
    paymentDate: iso(row.payment_date),
    readyAt: iso(row.ready_at),
    referralId: row.referral_id,
    transactionId: row.billing_record_id,
    payoutId: row.payout_id,
    program: programRef(row),
    removedUpstreamAt: iso(row.removed_upstream_at),
  };
}

const created = 'coalesce(r.source_created_at, r.created_at)';

export const rewardList: ListSpec<RewardListQueryDto, RewardRow, RewardDto> = {
  resource: 'rewards',
  select: REWARD_COLUMNS,
  from: sql`${table('reward', 'r')}${programJoin('r')}`,
  scope: tenant('r'),
  idExpression: 'r.id',
  createdExpression: created,
  removedExpression: 'r.removed_upstream_at',
  sortColumns: [CREATED_AT_SORT(created)],
  defaultSort: '-createdAt',
  programExpression: 'r.partnership_id',
  statusExpression: 'r.reward_status',
  search: (pattern) =>
    sql`(r.external_key ilike ${pattern} or r.description ilike ${pattern} or r.customer_key ilike ${pattern})`,
  extraFilters: (query) => [
    query.paymentStatus === undefined ? undefined : sql`r.payment_status = ${query.paymentStatus}`,
    query.kind === undefined ? undefined : sql`r.kind = ${query.kind}`,
  ],
  map: toReward,
  csv: [
    { header: 'id', value: (item) => item.id },
    { header: 'external_key', value: (item) => item.externalKey },
    { header: 'created_at', value: (item) => item.createdAt },
    { header: 'amount', value: (item) => item.amount.amount },
    { header: 'currency', value: (item) => item.amount.currency },
    { header: 'reward_status', value: (item) => item.rewardStatus },
    { header: 'payment_status', value: (item) => item.paymentStatus },
    { header: 'decline_reason', value: (item) => item.declineReason },
    { header: 'description', value: (item) => item.description },
    { header: 'recurrence', value: (item) => item.recurrence },
    { header: 'kind', value: (item) => item.kind },
    { header: 'reverses_reward_key', value: (item) => item.reversesRewardKey },
    { header: 'ready_at', value: (item) => item.readyAt },
    { header: 'referral_id', value: (item) => item.referralId },
    { header: 'transaction_id', value: (item) => item.transactionId },
    { header: 'payout_id', value: (item) => item.payoutId },
    { header: 'program_id', value: (item) => item.program?.id },
    { header: 'program_name', value: (item) => item.program?.name },
    { header: 'removed_upstream_at', value: (item) => item.removedUpstreamAt },
  ],
};
