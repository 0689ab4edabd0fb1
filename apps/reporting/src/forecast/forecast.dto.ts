import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

import { ProgramRef } from '../common/program-ref';
import { MoneyCountDto } from '../earnings/earnings.dto';
import { ApiAsOf } from '../reports/as-of';

export class ForecastQueryDto {
  @ApiPropertyOptional({ description: 'Only this program (our id, as in /v1/programs)', format: 'uuid' })
  @IsOptional()
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'programId must be an id' })
  programId?: string;

  /** The forecast that would have been made then, from what was known then: what a backtest compares. */
  @ApiAsOf()
  asOf?: string;
}

export class ForecastMonthDto {
  @ApiProperty({ example: '2026-04', description: 'YYYY-MM' }) month!: string;
  @ApiProperty({ type: 'integer', description: 'Expected payouts, integer minor units' }) expected!: number;
}

export class OpenRewardsDto {
  @ApiProperty({ type: MoneyCountDto, description: 'Approved, not yet paid (clawbacks included): paid in full' })
  approved!: MoneyCountDto;
  @ApiProperty({ type: MoneyCountDto, description: 'Pending or on hold: weighted by the approval rate' })
  pending!: MoneyCountDto;
  @ApiProperty({ type: MoneyCountDto, description: 'Drip occurrences not yet ready: weighted by the approval rate' })
  scheduled!: MoneyCountDto;
}

export class ForecastInputsDto {
  @ApiProperty({ description: 'Approved or paid over decided rewards (0 to 1)' }) approvalRate!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Rewards whose approval or decline was observed' })
  decidedRewards!: number;
  @ApiProperty({ description: 'Assumed (FORECAST_ASSUMPTIONS) rather than observed: no decided reward yet' })
  approvalRateAssumed!: boolean;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Median whole days from pending to approved' })
  approvalLagDays!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Observed pending → approved changes it is taken from' })
  observedApprovals!: number;
  @ApiProperty({ description: 'Assumed rather than observed: no approval seen yet' }) approvalLagAssumed!: boolean;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 31, description: 'Day of the month payouts go out' })
  payoutDay!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Payouts it is inferred from' }) payoutsObserved!: number;
  @ApiProperty({ description: 'Assumed (the 13th) rather than inferred: no payout yet' }) payoutDayAssumed!: boolean;
  @ApiProperty({ type: OpenRewardsDto }) openRewards!: OpenRewardsDto;
}

export class ProgramForecastDto {
  @ApiProperty({ type: ProgramRef, nullable: true, description: 'Null for rewards PartnerStack names no program for' })
  program!: ProgramRef | null;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: ForecastInputsDto }) inputs!: ForecastInputsDto;
  @ApiProperty({ type: [ForecastMonthDto] }) months!: ForecastMonthDto[];
  @ApiProperty({ type: 'integer', description: 'Expected after the last month (drips due later, carried balances)' })
  later!: number;
}

export class ForecastTotalDto {
  @ApiProperty() currency!: string;
  @ApiProperty({ type: [ForecastMonthDto] }) months!: ForecastMonthDto[];
  @ApiProperty({ type: 'integer' }) later!: number;
}

export class ForecastDto {
  @ApiProperty({ description: 'How the figures are computed, in words' }) method!: string;
  @ApiProperty({ format: 'date-time', description: 'The forecast is made from what was known before this instant' })
  madeAt!: string;
  @ApiProperty({ type: [ProgramForecastDto], description: 'Per program and currency' })
  programs!: ProgramForecastDto[];
  @ApiProperty({ type: [ForecastTotalDto], description: 'Across programs, per currency' }) totals!: ForecastTotalDto[];
}
