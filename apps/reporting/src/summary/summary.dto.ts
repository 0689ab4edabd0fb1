import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

import { ScopeQueryDto } from '../common/list-query.dto';
import { Money } from '../common/money';
import { RecoveredSummaryDto } from '../missed-rewards/missed-reward-claims.dto';
import {
  ApiPartnerStackValue,
  KNOWN_PAYMENT_STATUSES,
  KNOWN_PAYOUT_STATUSES,
  KNOWN_REWARD_STATUSES,
} from '../common/partnerstack-values.dto';
import { ApiAsOf, RewardsAsOfDto } from '../reports/as-of';
import { InCurrencyDto } from './in-currency';
import { REFERRAL_STATUSES, ReferralStatus } from '../referrals/referrals.list';
import { StreamFreshnessDto } from '../sync-runs/sync-run-streams.dto';

export class SummaryQueryDto extends ScopeQueryDto {
  /** Only the reward figures are rebuilt: the other records keep no history of their amounts. */
  @ApiAsOf()
  asOf?: string;

  @ApiPropertyOptional({
    description:
      "Adds inCurrency: the money in this one currency, at the rates PartnerStack's amount_usd implies per day " +
      '(not with asOf)',
    example: 'USD',
  })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as USD' })
  currency?: string;
}

export class ProgramsSummaryDto {
  @ApiProperty({ type: 'integer', minimum: 0 }) total!: number;
}

export class ReferralStatusCountDto {
  @ApiProperty({ enum: REFERRAL_STATUSES }) status!: ReferralStatus;
  @ApiProperty({ type: 'integer', minimum: 0 }) count!: number;
}

export class ReferralsSummaryDto {
  @ApiProperty({ type: 'integer', minimum: 0 }) total!: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'The client accounts these referrals are of: one business referred to several programs counts once',
  })
  clientAccounts!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Referrals PartnerStack reports as has_paid' })
  paying!: number;
  @ApiProperty({ type: [ReferralStatusCountDto] }) byStatus!: ReferralStatusCountDto[];
}

export class RevenueSummaryDto {
  @ApiProperty({ type: [Money], description: 'Unrefunded transactions, per currency' }) totals!: Money[];
  @ApiProperty({ type: Money, description: "Sum of PartnerStack's amount_usd where given" }) totalUsd!: Money;
  @ApiProperty({ type: 'integer', minimum: 0 }) transactions!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Transactions PartnerStack gave no amount_usd for' })
  transactionsWithoutUsd!: number;
}

export class RefundsSummaryDto {
  @ApiProperty({ type: [Money], description: 'Refunded transactions, per currency (not in revenue)' })
  totals!: Money[];
  @ApiProperty({ type: 'integer', minimum: 0 }) transactions!: number;
}

export class RewardStatusBreakdownDto {
  @ApiPartnerStackValue(KNOWN_REWARD_STATUSES, { description: "PartnerStack's reward_status", nullable: true })
  status!: string | null;
  @ApiProperty({ type: 'integer', minimum: 0 }) count!: number;
  @ApiProperty({ type: [Money] }) totals!: Money[];
}

export class PaymentStatusBreakdownDto {
  @ApiPartnerStackValue(KNOWN_PAYMENT_STATUSES, {
    description: "PartnerStack's payment_status; null before a reward is approved",
    nullable: true,
  })
  status!: string | null;
  @ApiProperty({ type: 'integer', minimum: 0 }) count!: number;
  @ApiProperty({ type: [Money] }) totals!: Money[];
}

export class PayoutStatusBreakdownDto {
  @ApiPartnerStackValue(KNOWN_PAYOUT_STATUSES, { description: "PartnerStack's payout status", nullable: true })
  status!: string | null;
  @ApiProperty({ type: 'integer', minimum: 0 }) count!: number;
  @ApiProperty({ type: [Money] }) totals!: Money[];
}

export class RewardsSummaryDto {
  @ApiProperty({ type: 'integer', minimum: 0 }) total!: number;
  @ApiProperty({ type: [Money] }) totals!: Money[];
  @ApiProperty({ type: [RewardStatusBreakdownDto], description: 'Status ascending, no status last' })
  byStatus!: RewardStatusBreakdownDto[];
  @ApiProperty({ type: [PaymentStatusBreakdownDto], description: 'Status ascending, no status last' })
  byPaymentStatus!: PaymentStatusBreakdownDto[];
  @ApiPropertyOptional({ type: RewardsAsOfDto, description: 'Present with asOf: the figures are as they were then' })
  asOf?: RewardsAsOfDto;
}

export class PayoutsSummaryDto {
  @ApiProperty({ type: 'integer', minimum: 0 }) total!: number;
  @ApiProperty({ type: [Money] }) totals!: Money[];
  @ApiProperty({ type: [PayoutStatusBreakdownDto], description: 'Status ascending, no status last' })
  byStatus!: PayoutStatusBreakdownDto[];
}

export class SummaryDto {
  @ApiProperty({ type: ProgramsSummaryDto }) programs!: ProgramsSummaryDto;
  @ApiProperty({ type: ReferralsSummaryDto }) referrals!: ReferralsSummaryDto;
  @ApiProperty({ type: RevenueSummaryDto }) revenue!: RevenueSummaryDto;
  @ApiProperty({ type: RefundsSummaryDto }) refunds!: RefundsSummaryDto;
  @ApiProperty({ type: RewardsSummaryDto }) rewards!: RewardsSummaryDto;
  @ApiProperty({ type: PayoutsSummaryDto }) payouts!: PayoutsSummaryDto;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description:
      'Every change up to this moment is in: the start of the newest succeeded sync (partial and failed ones do not count)',
  })
  dataAsOf!: string | null;
  @ApiProperty({
    type: [StreamFreshnessDto],
    description: 'Per stream, how far each freshness tier is current, from the newest finished sync that reported it',
  })
  freshness!: StreamFreshnessDto[];
  @ApiProperty({
    type: RecoveredSummaryDto,
    description:
      'What PartnerStack paid for missed rewards after they were detected (program and removal filters apply, ' +
      'from/to do not)',
  })
  recovered!: RecoveredSummaryDto;
  @ApiPropertyOptional({ type: InCurrencyDto, description: 'Present with currency: the money in that one currency' })
  inCurrency?: InCurrencyDto;
}
