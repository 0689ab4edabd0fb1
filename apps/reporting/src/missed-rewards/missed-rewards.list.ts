import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

import { MISSED_REWARD_CLOCKS, MISSED_REWARD_REASONS, MissedRewardReason, reasonsOnClock } from '@pp/domain';

import { ListQueryDto } from '../common/list-query.dto';
import { KeysetRow, ListSpec } from '../common/list-spec';
import { iso, money, Money } from '../common/money';
import { ApiPartnerStackValue, KNOWN_PAYMENT_STATUSES, KNOWN_REWARD_STATUSES } from '../common/partnerstack-values.dto';
import { PROGRAM_REF_COLUMNS, programJoin, ProgramRef, programRef, ProgramRefRow } from '../common/program-ref';
import type { CsvColumn } from '../csv/csv';
import { and, Sql, sql, table, tenant } from '../database/sql';
import { MissedRewardCutoffs, MissedRewardThresholds } from './missed-reward.cutoffs';

export class MissedRewardQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: MISSED_REWARD_REASONS })
  @IsOptional()
  @IsIn(MISSED_REWARD_REASONS)
  reason?: MissedRewardReason;
}

export class RecordRef {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String }) externalKey!: string | null;
}

export class MissedRewardDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: MISSED_REWARD_REASONS }) reason!: MissedRewardReason;
  @ApiProperty() description!: string;
  @ApiProperty({ type: Money, nullable: true, description: 'What the agency likely lost; null when unknown' })
  amountAtStake!: Money | null;
  @ApiProperty({ type: Money, nullable: true, description: "The commission rule's amount" }) expected!: Money | null;
  @ApiProperty({ type: Money, nullable: true, description: 'The reward as PartnerStack has it' }) actual!: Money | null;
  @ApiProperty({ nullable: true, type: Number }) ratePercent!: number | null;
  @ApiProperty({ description: 'Creation time of the transaction, reward or customer' }) occurredAt!: string;
  @ApiPartnerStackValue(KNOWN_REWARD_STATUSES, { description: "The reward's reward_status", nullable: true })
  rewardStatus!: string | null;
  @ApiPartnerStackValue(KNOWN_PAYMENT_STATUSES, { description: "The reward's payment_status", nullable: true })
  paymentStatus!: string | null;
  @ApiProperty({ nullable: true, type: String }) declineReason!: string | null;
  @ApiProperty({ type: ProgramRef, nullable: true }) program!: ProgramRef | null;
  @ApiProperty({ type: RecordRef, nullable: true }) referral!: RecordRef | null;
  @ApiProperty({ type: RecordRef, nullable: true }) transaction!: RecordRef | null;
  @ApiProperty({ type: RecordRef, nullable: true }) reward!: RecordRef | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'API paths of the records involved, by kind (program, referral)',
    example: { program: '/v1/programs/…', referral: '/v1/referrals/…' },
  })
  links!: Record<string, string>;
}

interface MissedRewardRow extends KeysetRow, ProgramRefRow {
  reason: MissedRewardReason;
  reference_at: Date;
  referral_id: string | null;
  referral_external_key: string | null;
  billing_record_id: string | null;
  transaction_external_key: string | null;
  reward_id: string | null;
  reward_external_key: string | null;
  currency: string | null;
  expected_amount: number | null;
  actual_amount: number | null;
  amount_at_stake: number | null;
  rate: number | null;
  reward_status: string | null;
  payment_status: string | null;
  decline_reason: string | null;
}

/** The columns of a candidate that both the missed-reward list and the claims read. */
export type CandidateSummaryRow = Pick<
  MissedRewardRow,
  'reason' | 'rate' | 'reward_status' | 'payment_status' | 'decline_reason' | 'referral_id' | 'program_id'
>;

/** What the list and a claim both say of a candidate: its sentence, and links to its program and referral. */
export function candidateSummary(
  row: CandidateSummaryRow,
  days: number,
): { description: string; links: Record<string, string> } {
  const links: Record<string, string> = {};
  if (row.program_id) links.program = `/v1/programs/${row.program_id}`;
  if (row.referral_id) links.referral = `/v1/referrals/${row.referral_id}`;
  const description = describeMissedReward(row.reason, {
    declineReason: row.decline_reason,
    ratePercent: row.rate,
    status: row.reason === 'reward_payment_failed' ? row.payment_status : row.reward_status,
    days,
  });
  return { description, links };
}

/** The money a candidate is about, as CSV columns: in the list's export and in the claims'. */
export function stakeColumns<
  T extends Pick<MissedRewardDto, 'amountAtStake' | 'expected' | 'actual'>,
>(): CsvColumn<T>[] {
  return [
    { header: 'amount_at_stake', value: (item) => item.amountAtStake?.amount },
    { header: 'currency', value: (item) => item.amountAtStake?.currency ?? item.expected?.currency },
    { header: 'expected', value: (item) => item.expected?.amount },
    { header: 'actual', value: (item) => item.actual?.amount },
  ];
}

/** Candidates precomputed by refresh_tenant_aggregates that count as missed at `cutoffs` (thresholds applied now). */
export function missedRewardScope(cutoffs: MissedRewardCutoffs): Sql {
  return and([
    tenant('m'),
    sql`(m.reason = any(${reasonsOnClock('immediate')}::text[])
 or (m.reason = any(${reasonsOnClock('stuck')}::text[]) and m.reference_at < ${cutoffs.stuckBefore})
 or (m.reason = any(${reasonsOnClock('due')}::text[]) and m.reference_at < ${cutoffs.rewardDueBefore}))`,
  ]);
}

/** What the list says about a candidate, in words; `days` is the threshold its reason waited for. */
export function describeMissedReward(
  reason: MissedRewardReason,
  details: { declineReason?: string | null; ratePercent?: number | null; status?: string | null; days?: number },
): string {
  switch (reason) {
    case 'transaction_without_reward':
      return `Paid transaction with no reward after ${details.days} days (rule: ${details.ratePercent}% revenue share)`;
    case 'reward_below_rule':
      return `Reward below the program's ${details.ratePercent}% revenue share rule`;
    case 'reward_declined':
      return `Reward declined${details.declineReason ? `: ${details.declineReason}` : ' (no reason given)'}`;
    case 'reward_stuck':
      return `Reward still '${details.status}' after more than ${details.days} days`;
    case 'paying_customer_without_reward':
      return `Paying customer with no reward at all after ${details.days} days`;
    case 'reward_payment_failed':
      return `Reward payment ${details.status}`;
  }
}

function ref(id: string | null, externalKey: string | null): RecordRef | null {
  return id ? { id, externalKey } : null;
}

export function missedRewardList(
  cutoffs: MissedRewardCutoffs,
  thresholds: MissedRewardThresholds,
): ListSpec<MissedRewardQueryDto, MissedRewardRow, MissedRewardDto> {
  return {
    resource: 'missed-rewards',
    select: sql`m.id, m.reason, m.reference_at, m.referral_id, c.external_key as referral_external_key, m.billing_record_id,
 t.external_key as transaction_external_key, m.reward_id, r.external_key as reward_external_key, m.currency,
 m.expected_amount, m.actual_amount, m.amount_at_stake, m.rate, m.reward_status, m.payment_status, m.decline_reason, ${PROGRAM_REF_COLUMNS}`,
    from: sql`${table('report_missed_reward', 'm')}
 left join ${table('referral', 'c')} on c.id = m.referral_id and ${tenant('c')}
 left join ${table('billing_record', 't')} on t.id = m.billing_record_id and ${tenant('t')}
 left join ${table('reward', 'r')} on r.id = m.reward_id and ${tenant('r')}${programJoin('m')}`,
    scope: missedRewardScope(cutoffs),
    idExpression: 'm.id',
    createdExpression: 'm.reference_at',
    sortColumns: [{ name: 'occurredAt', expression: 'm.reference_at', sqlType: 'timestamptz' }],
    defaultSort: '-occurredAt',
    programExpression: 'm.partnership_id',
    extraFilters: (query) => [
      query.includeRemoved ? undefined : sql`not m.removed`,
      query.reason === undefined ? undefined : sql`m.reason = ${query.reason}`,
    ],
    map: (row) => {
      const days = MISSED_REWARD_CLOCKS[row.reason] === 'stuck' ? thresholds.stuckDays : thresholds.afterDays;
      const { description, links } = candidateSummary(row, days);
      return {
        id: row.id,
        reason: row.reason,
        description,
        amountAtStake: money(row.amount_at_stake, row.currency),
        expected: money(row.expected_amount, row.currency),
        actual: money(row.actual_amount, row.currency),
        ratePercent: row.rate,
        occurredAt: iso(row.reference_at) as string,
        rewardStatus: row.reward_status,
        paymentStatus: row.payment_status,
        declineReason: row.decline_reason,
        program: programRef(row),
        referral: ref(row.referral_id, row.referral_external_key),
        transaction: ref(row.billing_record_id, row.transaction_external_key),
        reward: ref(row.reward_id, row.reward_external_key),
        links,
      };
    },
    csv: [
      { header: 'id', value: (item) => item.id },
      { header: 'reason', value: (item) => item.reason },
      { header: 'description', value: (item) => item.description },
      ...stakeColumns<MissedRewardDto>(),
      { header: 'occurred_at', value: (item) => item.occurredAt },
      { header: 'program_id', value: (item) => item.program?.id },
      { header: 'program_name', value: (item) => item.program?.name },
      { header: 'referral_id', value: (item) => item.referral?.id },
      { header: 'transaction_key', value: (item) => item.transaction?.externalKey },
      { header: 'reward_key', value: (item) => item.reward?.externalKey },
    ],
  };
}
