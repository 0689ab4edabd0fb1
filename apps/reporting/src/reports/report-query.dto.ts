import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ScopeQueryDto } from '../common/list-query.dto';
import { ApiAsOf } from './as-of';

export const REVENUE_GROUPS = ['program', 'month', 'account'] as const;
export const REWARD_GROUPS = ['program', 'month', 'status', 'account'] as const;

/** Only `groupBy=account` is a ranked list long enough to page through (apps/reporting/src/reports/account-reports.ts). */
class AccountPageQueryDto extends ScopeQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    description: 'groupBy=account only: accounts per page',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'groupBy=account only: the nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  cursor?: string;

  @ApiPropertyOptional({
    description: 'groupBy=account with `Accept: text/csv`: start the file with a UTF-8 byte order mark, for Excel',
    default: false,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value,
  )
  @IsBoolean()
  bom?: boolean;
}

export class RevenueReportQueryDto extends AccountPageQueryDto {
  @ApiProperty({ enum: REVENUE_GROUPS, description: 'account: client accounts, most revenue (in USD) first' })
  @IsIn(REVENUE_GROUPS)
  groupBy!: (typeof REVENUE_GROUPS)[number];
}

export class RewardReportQueryDto extends AccountPageQueryDto {
  @ApiProperty({
    enum: REWARD_GROUPS,
    description: 'status groups by reward_status; account: client accounts, most rewards in `currency` first',
  })
  @IsIn(REWARD_GROUPS)
  groupBy!: (typeof REWARD_GROUPS)[number];

  @ApiPropertyOptional({
    description: 'groupBy=account only: the currency accounts are ranked by (rewards have no common currency)',
    default: 'USD',
    example: 'EUR',
  })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as USD' })
  currency?: string;

  @ApiAsOf()
  asOf?: string;
}
