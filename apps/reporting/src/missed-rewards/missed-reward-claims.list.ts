import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';

import {
  COMMISSION_KINDS,
  CommissionKind,
  EXPECTED_DECLINE_REASONS,
  ExpectedDeclineKind,
  expectedDeclineKind,
  MISSED_REWARD_REASONS,
  MISSED_REWARD_STATES,
  MissedRewardReason,
  MissedRewardState,
} from '@pp/domain';

import { ListQueryDto } from '../common/list-query.dto';
import { KeysetRow, ListSpec } from '../common/list-spec';
import { iso, money, Money } from '../common/money';
import { ApiPartnerStackValue, KNOWN_PAYMENT_STATUSES, KNOWN_REWARD_STATUSES } from '../common/partnerstack-values.dto';
import { PROGRAM_REF_COLUMNS, programJoin, ProgramRef, programRef, ProgramRefRow } from '../common/program-ref';
import { raw, sql, table, tenant } from '../database/sql';
import {
  claimDeadline,
  clockDays,
  daysLeft,
  detectedAt,
  expectedDeclineCondition,
  lifecycleScope,
  lifecycleState,
  MissedRewardClaimSettings,
  stateCondition,
} from './missed-reward-lifecycle';
import { candidateSummary, stakeColumns } from './missed-rewards.list';

const booleanFlag = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** No `status` or `q`: a claim's state is `state`, and there is nothing to search (both answer 400). */
export class MissedRewardClaimQueryDto extends OmitType(ListQueryDto, ['status', 'q'] as const) {
  @ApiPropertyOptional({ enum: MISSED_REWARD_REASONS })
  @IsOptional()
  @IsIn(MISSED_REWARD_REASONS)
  reason?: MissedRewardReason;

  @ApiPropertyOptional({
    enum: MISSED_REWARD_STATES,
    description: 'open: claimable until its deadline; resolved: PartnerStack paid after all; expired: deadline passed',
  })
  @IsOptional()
  @IsIn(MISSED_REWARD_STATES)
  state?: MissedRewardState;

  @ApiPropertyOptional({
    description: 'false: only the expected declines (refunded, duplicate, self-referral); true: only the others',
  })
  @IsOptional()
  @Transform(booleanFlag)
  @IsBoolean()
  claimable?: boolean;
}

export class ClaimCustomerDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String, description: "PartnerStack's customer key" })
  externalKey!: string | null;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
}

export class ClaimTransactionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String, description: "PartnerStack's transaction key" })
  externalKey!: string | null;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: Money }) amount!: Money;
  @ApiProperty() refunded!: boolean;
}

export class ClaimOfferDto {
  @ApiProperty({ enum: COMMISSION_KINDS }) kind!: CommissionKind;
  @ApiProperty({ nullable: true, type: String, description: "PartnerStack's offer type as given" })
  sourceType!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'A percentage, or the flat amount as given' })
  rate!: number | null;
  @ApiProperty({ nullable: true, type: String }) currency!: string | null;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
}

export class ClaimRewardDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String, description: "PartnerStack's reward key" }) externalKey!: string | null;
  @ApiPartnerStackValue(KNOWN_REWARD_STATUSES, { description: "The reward's reward_status", nullable: true })
  status!: string | null;
  @ApiPartnerStackValue(KNOWN_PAYMENT_STATUSES, { description: "The reward's payment_status", nullable: true })
  paymentStatus!: string | null;
  @ApiProperty({ nullable: true, type: String }) declineReason!: string | null;
}

export class ClaimResolutionDto {
  @ApiProperty({ format: 'date-time', description: 'The refresh that saw PartnerStack create or correct the reward' })
  resolvedAt!: string;
  @ApiProperty({ type: Money, nullable: true, description: 'The reward created, or what a correction added' })
  recovered!: Money | null;
}

export class MissedRewardClaimDto {
  @ApiProperty({ format: 'uuid', description: 'The id of the missed reward in /v1/reports/missed-rewards' })
  id!: string;
  @ApiProperty({ enum: MISSED_REWARD_REASONS }) reason!: MissedRewardReason;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: MISSED_REWARD_STATES }) state!: MissedRewardState;
  @ApiProperty({ description: 'false for an expected decline: visible, but not in the amount at stake' })
  claimable!: boolean;
  @ApiProperty({ enum: Object.keys(EXPECTED_DECLINE_REASONS), nullable: true, type: String })
  expectedDecline!: ExpectedDeclineKind | null;
  @ApiProperty({ format: 'date-time', description: 'When it became a missed reward (stable across syncs)' })
  detectedAt!: string;
  @ApiProperty({ format: 'date-time', description: 'Creation time of the transaction, reward or customer' })
  occurredAt!: string;
  @ApiProperty({ format: 'date-time', description: "The transaction's date (else occurredAt) plus the claim window" })
  claimDeadline!: string;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Whole days left until the deadline; 0 once passed' })
  daysLeft!: number;
  @ApiProperty({ type: Money, nullable: true, description: 'What the agency likely lost; null when unknown' })
  amountAtStake!: Money | null;
  @ApiProperty({ type: Money, nullable: true, description: "The commission rule's amount" }) expected!: Money | null;
  @ApiProperty({ type: Money, nullable: true, description: 'The reward as PartnerStack has it' }) actual!: Money | null;
  @ApiProperty({ nullable: true, type: Number, description: 'The revenue-share rate the rules applied' })
  ratePercent!: number | null;
  @ApiProperty({ type: ProgramRef, nullable: true }) program!: ProgramRef | null;
  @ApiProperty({ type: [ClaimOfferDto], description: "The program's offers as PartnerStack shows them now" })
  offers!: ClaimOfferDto[];
  @ApiProperty({ type: ClaimCustomerDto, nullable: true }) customer!: ClaimCustomerDto | null;
  @ApiProperty({ type: [ClaimTransactionDto], description: 'The transaction, or a paying customer’s transactions' })
  transactions!: ClaimTransactionDto[];
  @ApiProperty({ type: ClaimRewardDto, nullable: true }) reward!: ClaimRewardDto | null;
  @ApiProperty({ type: ClaimResolutionDto, nullable: true }) resolution!: ClaimResolutionDto | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'API paths of the records involved, by kind (program, referral)',
  })
  links!: Record<string, string>;
}

interface ClaimTransactionRow {
  id: string;
  externalKey: string | null;
  occurredAt: string;
  amount: number;
  currency: string;
  refunded: boolean;
}

interface ClaimOfferRow {
  kind: CommissionKind;
  sourceType: string | null;
  rate: number | null;
  currency: string | null;
  description: string | null;
}

interface ClaimRow extends KeysetRow, ProgramRefRow {
  reason: MissedRewardReason;
  reference_at: Date;
  basis_at: Date;
  first_seen_at: Date;
  resolved_at: Date | null;
  recovered_amount: number | null;
  recovered_currency: string | null;
  currency: string | null;
  expected_amount: number | null;
  actual_amount: number | null;
  amount_at_stake: number | null;
  rate: number | null;
  reward_status: string | null;
  payment_status: string | null;
  decline_reason: string | null;
  referral_id: string | null;
  referral_external_key: string | null;
  customer_name: string | null;
  customer_email: string | null;
  reward_id: string | null;
  reward_external_key: string | null;
  transactions: ClaimTransactionRow[];
  offers: ClaimOfferRow[];
}

/** A transaction as a claim shows it, with the columns the list orders a claim's transactions by. */
function transactionJson(alias: string) {
  const column = (name: string) => `${alias}.${name}`;
  const at = `coalesce(${column('source_created_at')}, ${column('created_at')})`;
  return raw(`json_build_object('id', ${column('id')}, 'externalKey', ${column('external_key')}, 'occurredAt', ${at},
 'amount', ${column('amount')}, 'currency', ${column('currency')}, 'refunded', ${column('refunded')}) as tx, ${at} as at,
 ${column('id')} as id`);
}

/** A paying customer's missed reward has no transaction of its own: its evidence is the customer's transactions. */
const PAYING_CUSTOMER: MissedRewardReason = 'paying_customer_without_reward';

/** Claim packs: the missed rewards with their evidence, deadline and lifecycle state, soonest deadline first. */

/**
 * The offers a claim is argued from: those in force when the transaction happened, or, for a transaction older than
 * every offer version kept, the first ones seen (as the "below the offer" rule judges it; rate_basis).
 */
const OFFER_JUDGED_AT = sql`greatest(coalesce(l.basis_at, now()), (select min(f.valid_from) from ${table('commission_rule', 'f')}
 where ${tenant('f')} and f.partnership_id = l.partnership_id))`;
export function missedRewardClaimList(
  settings: MissedRewardClaimSettings,
  now: Date,
): ListSpec<MissedRewardClaimQueryDto, ClaimRow, MissedRewardClaimDto> {
  return {
    resource: 'missed-reward-claims',
    select: sql`l.id, l.reason, l.reference_at, l.basis_at, l.first_seen_at, l.resolved_at, l.recovered_amount,
 l.recovered_currency, l.currency, l.expected_amount, l.actual_amount, l.amount_at_stake, l.rate, l.reward_status,
 l.payment_status, l.decline_reason, l.referral_id, c.external_key as referral_external_key, a.name as customer_name,
 coalesce(ct.email, c.contact_email) as customer_email, l.reward_id, r.external_key as reward_external_key,
 (select coalesce(json_agg(x.tx order by x.at, x.id), '[]') from (
   select ${transactionJson('t')} from ${table('billing_record', 't')}
    where ${tenant('t')} and t.id = l.billing_record_id
   union all
   select ${transactionJson('tc')} from ${table('billing_record', 'tc')}
    where ${tenant('tc')} and l.billing_record_id is null and l.reason = ${PAYING_CUSTOMER}
      and tc.referral_id = l.referral_id) x) as transactions,
 (select coalesce(json_agg(json_build_object('kind', cr.kind, 'sourceType', cr.source_type, 'rate', cr.rate,
   'currency', cr.currency, 'description', cr.description) order by cr.position), '[]')
   from ${table('commission_rule', 'cr')} where ${tenant('cr')} and cr.partnership_id = l.partnership_id
     and cr.valid_from <= ${OFFER_JUDGED_AT} and (cr.valid_to is null or cr.valid_to > ${OFFER_JUDGED_AT})) as offers,
 ${PROGRAM_REF_COLUMNS}`,
    from: sql`${table('report_missed_reward_lifecycle', 'l')}
 left join ${table('referral', 'c')} on c.id = l.referral_id and ${tenant('c')}
 left join ${table('account', 'a')} on a.id = c.account_id and ${tenant('a')}
 left join ${table('contact', 'ct')} on ct.id = c.contact_id and ${tenant('ct')}
 left join ${table('reward', 'r')} on r.id = l.reward_id and ${tenant('r')}${programJoin('l')}`,
    scope: lifecycleScope(settings, now),
    idExpression: 'l.id',
    createdExpression: 'l.basis_at',
    sortColumns: [
      { name: 'claimDeadline', expression: 'l.basis_at', sqlType: 'timestamptz' },
      { name: 'occurredAt', expression: 'l.reference_at', sqlType: 'timestamptz' },
    ],
    defaultSort: 'claimDeadline',
    programExpression: 'l.partnership_id',
    extraFilters: (query) => [
      query.includeRemoved ? undefined : sql`not l.removed`,
      query.reason === undefined ? undefined : sql`l.reason = ${query.reason}`,
      query.state === undefined ? undefined : stateCondition(query.state, now, settings.claimDays),
      query.claimable === undefined
        ? undefined
        : query.claimable
          ? sql`not ${expectedDeclineCondition()}`
          : expectedDeclineCondition(),
    ],
    map: (row) => claimOf(row, settings, now),
    csv: CLAIM_CSV,
  };
}

export function claimOf(row: ClaimRow, settings: MissedRewardClaimSettings, now: Date): MissedRewardClaimDto {
  const deadline = claimDeadline(new Date(row.basis_at), settings.claimDays);
  const expectedDecline = row.reward_status === 'declined' ? expectedDeclineKind(row.decline_reason) : null;
  const { description, links } = candidateSummary(row, clockDays(row.reason, settings));
  return {
    id: row.id,
    reason: row.reason,
    description,
    state: lifecycleState(row.resolved_at ? new Date(row.resolved_at) : null, deadline, now),
    claimable: expectedDecline === null,
    expectedDecline,
    detectedAt: detectedAt(row.reason, new Date(row.reference_at), new Date(row.first_seen_at), settings).toISOString(),
    occurredAt: iso(row.reference_at) as string,
    claimDeadline: deadline.toISOString(),
    daysLeft: daysLeft(deadline, now),
    amountAtStake: money(row.amount_at_stake, row.currency),
    expected: money(row.expected_amount, row.currency),
    actual: money(row.actual_amount, row.currency),
    ratePercent: row.rate === null ? null : Number(row.rate),
    program: programRef(row),
    offers: row.offers.map((offer) => ({ ...offer, rate: offer.rate === null ? null : Number(offer.rate) })),
    customer: row.referral_id
      ? {
          id: row.referral_id,
          externalKey: row.referral_external_key,
          name: row.customer_name,
          email: row.customer_email,
        }
      : null,
    transactions: row.transactions.map((transaction) => ({
      id: transaction.id,
      externalKey: transaction.externalKey,
      occurredAt: iso(transaction.occurredAt) as string,
      amount: { amount: Number(transaction.amount), currency: transaction.currency },
      refunded: transaction.refunded,
    })),
    reward: row.reward_id
      ? {
          id: row.reward_id,
          externalKey: row.reward_external_key,
          status: row.reward_status,
          paymentStatus: row.payment_status,
          declineReason: row.decline_reason,
        }
      : null,
    resolution: row.resolved_at
      ? { resolvedAt: iso(row.resolved_at) as string, recovered: money(row.recovered_amount, row.recovered_currency) }
      : null,
    links,
  };
}

const joined = (values: Array<string | number | null>) => values.map((value) => value ?? '').join('; ');

/** One line per claim, ready to attach to an e-mail; a claim's several transactions are `; `-separated in order. */
export const CLAIM_CSV: ListSpec<MissedRewardClaimQueryDto, ClaimRow, MissedRewardClaimDto>['csv'] = [
  { header: 'id', value: (claim) => claim.id },
  { header: 'state', value: (claim) => claim.state },
  { header: 'claim_deadline', value: (claim) => claim.claimDeadline.slice(0, 10) },
  { header: 'days_left', value: (claim) => claim.daysLeft },
  { header: 'reason', value: (claim) => claim.reason },
  { header: 'description', value: (claim) => claim.description },
  { header: 'claimable', value: (claim) => claim.claimable },
  ...stakeColumns<MissedRewardClaimDto>(),
  { header: 'rate_percent', value: (claim) => claim.ratePercent },
  { header: 'program_name', value: (claim) => claim.program?.name },
  { header: 'program_key', value: (claim) => claim.program?.externalKey },
  { header: 'offers', value: (claim) => joined(claim.offers.map(offerText)) },
  { header: 'customer_name', value: (claim) => claim.customer?.name },
  { header: 'customer_email', value: (claim) => claim.customer?.email },
  { header: 'customer_key', value: (claim) => claim.customer?.externalKey },
  { header: 'transaction_keys', value: (claim) => joined(claim.transactions.map((t) => t.externalKey)) },
  { header: 'transaction_dates', value: (claim) => joined(claim.transactions.map((t) => t.occurredAt.slice(0, 10))) },
  { header: 'transaction_amounts', value: (claim) => joined(claim.transactions.map((t) => t.amount.amount)) },
  { header: 'transaction_currencies', value: (claim) => joined(claim.transactions.map((t) => t.amount.currency)) },
  { header: 'reward_key', value: (claim) => claim.reward?.externalKey },
  { header: 'reward_status', value: (claim) => claim.reward?.status },
  { header: 'decline_reason', value: (claim) => claim.reward?.declineReason },
  { header: 'detected_at', value: (claim) => claim.detectedAt },
  { header: 'resolved_at', value: (claim) => claim.resolution?.resolvedAt },
  { header: 'recovered', value: (claim) => claim.resolution?.recovered?.amount },
];

function offerText(offer: ClaimOfferDto): string {
  const rate = offer.rate === null ? '' : offer.kind === 'percentage' ? ` ${offer.rate}%` : ` ${offer.rate}`;
  return `${offer.sourceType ?? offer.kind}${rate}${offer.currency && offer.kind !== 'percentage' ? ` ${offer.currency}` : ''}`;
}
