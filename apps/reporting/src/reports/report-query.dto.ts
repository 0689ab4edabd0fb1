import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';

import { ScopeQueryDto } from '../common/list-query.dto';

export const REVENUE_GROUPS = ['program', 'month'] as const;
export const REWARD_GROUPS = ['program', 'month', 'status'] as const;

export class RevenueReportQueryDto extends ScopeQueryDto {
  @ApiProperty({ enum: REVENUE_GROUPS })
  @IsIn(REVENUE_GROUPS)
  groupBy!: (typeof REVENUE_GROUPS)[number];
}

export class RewardReportQueryDto extends ScopeQueryDto {
  @ApiProperty({ enum: REWARD_GROUPS, description: 'status groups by reward_status' })
  @IsIn(REWARD_GROUPS)
  groupBy!: (typeof REWARD_GROUPS)[number];
}
