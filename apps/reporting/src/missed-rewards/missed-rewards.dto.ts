import { ApiProperty } from '@nestjs/swagger';

import { MISSED_REWARD_REASONS, MissedRewardReason } from '@pp/domain';

import { Money } from '../common/money';
import { MissedRewardThresholds } from './missed-reward.cutoffs';

export class MissedRewardSummaryDto {
  @ApiProperty({ enum: MISSED_REWARD_REASONS }) reason!: MissedRewardReason;
  @ApiProperty({ type: 'integer', minimum: 0 }) count!: number;
  @ApiProperty({ type: [Money], description: 'Per currency; unknown amounts are not in it' }) amountAtStake!: Money[];
}

export class MissedRewardThresholdsDto implements MissedRewardThresholds {
  @ApiProperty({ type: 'integer', description: 'A transaction with no reward this many days after it is missed' })
  afterDays!: number;
  @ApiProperty({ type: 'integer', description: 'A reward pending or on hold for longer than this is stuck' })
  stuckDays!: number;
}
