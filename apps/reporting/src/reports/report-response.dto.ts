import { ApiProperty } from '@nestjs/swagger';

import { REVENUE_GROUPS, REWARD_GROUPS } from './report-query.dto';
import { RevenuePoint, RewardPoint } from './reports.repository';

export class RevenueReportDto {
  @ApiProperty({ enum: REVENUE_GROUPS }) groupBy!: (typeof REVENUE_GROUPS)[number];
  @ApiProperty({ type: [RevenuePoint] }) data!: RevenuePoint[];
}

export class RewardReportDto {
  @ApiProperty({ enum: REWARD_GROUPS }) groupBy!: (typeof REWARD_GROUPS)[number];
  @ApiProperty({ type: [RewardPoint] }) data!: RewardPoint[];
}
