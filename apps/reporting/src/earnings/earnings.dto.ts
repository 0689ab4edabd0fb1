import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

import { Money } from '../common/money';
import { ProgramRef } from '../common/program-ref';
import { CurrencyRateDto } from '../summary/in-currency';

export class EarningsQueryDto {
  @ApiPropertyOptional({ description: 'Only this program (our id, as in /v1/programs)', format: 'uuid' })
  @IsOptional()
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'programId must be an id' })
  programId?: string;

  @ApiPropertyOptional({
    description:
      "Adds inCurrency: the totals in this one currency, at the rates PartnerStack's amount_usd implies per day",
    example: 'USD',
  })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as USD' })
  currency?: string;
}

/** How many records, and their sum in integer minor units of the row's currency (negative for clawbacks). */
export class MoneyCountDto {
  @ApiProperty({ type: 'integer', minimum: 0 }) count!: number;
  @ApiProperty({ type: 'integer', description: 'Integer minor units' }) amount!: number;
}

export class UnmatchedRewardDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() externalKey!: string;
  @ApiProperty({ type: 'integer' }) amount!: number;
  @ApiProperty({ nullable: true, type: String, description: "PartnerStack's payout_id, when it gave one" })
  payoutRef!: string | null;
}

export class UnmatchedPayoutDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() externalKey!: string;
  @ApiProperty({ type: 'integer' }) amount!: number;
  @ApiProperty({ type: 'integer', description: 'The sum of the paid rewards that name it' }) rewardsAmount!: number;
}

/**
 * Paid rewards against the payouts that carry them: every paid reward should name a payout we hold, and every
 * payout's amount should be the sum of its rewards (clawbacks netted).
 */
export class ReconciliationDto {
  @ApiProperty({ type: MoneyCountDto, description: 'Rewards PartnerStack marks paid, clawbacks netted' })
  paidRewards!: MoneyCountDto;
  @ApiProperty({ type: MoneyCountDto }) payouts!: MoneyCountDto;
  @ApiProperty({ type: 'integer', description: 'payouts minus paid rewards; 0 when they agree' }) difference!: number;
  @ApiProperty({ type: [UnmatchedRewardDto], description: 'Paid rewards naming no payout we hold' })
  unmatchedRewards!: UnmatchedRewardDto[];
  @ApiProperty({ type: [UnmatchedPayoutDto], description: 'Payouts whose amount is not the sum of their rewards' })
  unmatchedPayouts!: UnmatchedPayoutDto[];
}

class EarningsFiguresDto {
  @ApiProperty() currency!: string;
  @ApiProperty({ type: MoneyCountDto, description: 'Every reward not declined, before clawbacks' })
  earned!: MoneyCountDto;
  @ApiProperty({ type: MoneyCountDto, description: 'Drip occurrences not yet ready (scheduled)' })
  scheduled!: MoneyCountDto;
  @ApiProperty({ type: MoneyCountDto, description: 'Waiting for the vendor’s approval (pending or on hold)' })
  pending!: MoneyCountDto;
  @ApiProperty({ type: MoneyCountDto, description: 'Approved and not yet paid: available to withdraw' })
  approved!: MoneyCountDto;
  @ApiProperty({ type: MoneyCountDto, description: 'Paid out' }) paid!: MoneyCountDto;
  @ApiProperty({ type: MoneyCountDto, description: 'Clawbacks (negative rewards), netted into a payout or not' })
  clawedBack!: MoneyCountDto;
  @ApiProperty({ type: MoneyCountDto, description: 'Payouts sent, net of the clawbacks they took' })
  payouts!: MoneyCountDto;
  @ApiProperty({
    type: 'integer',
    description: 'Available to withdraw: approved rewards plus clawbacks not yet netted; may be negative',
  })
  balance!: number;
}

export class ProgramEarningsDto extends EarningsFiguresDto {
  @ApiProperty({ type: ProgramRef, nullable: true, description: 'Null for money PartnerStack names no program for' })
  program!: ProgramRef | null;
  @ApiProperty({ description: 'A negative balance blocks withdrawals from this program until it is positive again' })
  withdrawalBlocked!: boolean;
  @ApiProperty({ type: ReconciliationDto }) reconciliation!: ReconciliationDto;
}

export class EarningsTotalDto extends EarningsFiguresDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Programs whose balance blocks withdrawals' })
  programsWithdrawalBlocked!: number;
}

/** The totals' amounts in one currency, each reward at the rate of the day it was created, each payout of its day. */
export class EarningsInCurrencyDto {
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ type: Money }) earned!: Money;
  @ApiProperty({ type: Money }) scheduled!: Money;
  @ApiProperty({ type: Money }) pending!: Money;
  @ApiProperty({ type: Money }) approved!: Money;
  @ApiProperty({ type: Money }) paid!: Money;
  @ApiProperty({ type: Money }) clawedBack!: Money;
  @ApiProperty({ type: Money }) payouts!: Money;
  @ApiProperty({ type: Money }) balance!: Money;
  @ApiProperty({ type: [CurrencyRateDto], description: 'The rates used, per currency converted' })
  rates!: CurrencyRateDto[];
  @ApiProperty({ type: [Money], description: 'What could not be converted: no rate for its currency' })
  withoutRate!: Money[];
}

export class EarningsDto {
  @ApiProperty({ type: [ProgramEarningsDto], description: 'Per program and currency' })
  programs!: ProgramEarningsDto[];
  @ApiProperty({ type: [EarningsTotalDto], description: 'Across programs, per currency' })
  totals!: EarningsTotalDto[];
  @ApiPropertyOptional({ type: EarningsInCurrencyDto, description: 'Present with currency' })
  inCurrency?: EarningsInCurrencyDto;
}
