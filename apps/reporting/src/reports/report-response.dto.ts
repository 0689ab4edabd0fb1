import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { RewardsAsOfDto } from './as-of';
import { REVENUE_GROUPS, REWARD_GROUPS } from './report-query.dto';
import { RevenuePoint, RewardPoint } from './reports.repository';

export class RevenueReportDto {
  @ApiProperty({ enum: REVENUE_GROUPS }) groupBy!: (typeof REVENUE_GROUPS)[number];
  @ApiProperty({ type: [RevenuePoint] }) data!: RevenuePoint[];
  @ApiPropertyOptional({ nullable: true, type: String, description: 'groupBy=account only: the next page, if any' })
  nextCursor?: string | null;
}

export class RewardReportDto {
  @ApiProperty({ enum: REWARD_GROUPS }) groupBy!: (typeof REWARD_GROUPS)[number];
  @ApiProperty({ type: [RewardPoint] }) data!: RewardPoint[];
  @ApiPropertyOptional({ nullable: true, type: String, description: 'groupBy=account only: the next page, if any' })
  nextCursor?: string | null;
  @ApiPropertyOptional({ type: RewardsAsOfDto, description: 'Present with asOf: the rewards as they were then' })
  asOf?: RewardsAsOfDto;
}
