import { ApiProperty } from '@nestjs/swagger';

import { Money } from '../common/money';
import { MissedRewardThresholdsDto } from './missed-rewards.dto';

export class ClaimTotalDto {
  @ApiProperty({ type: 'integer', minimum: 0 }) count!: number;
  @ApiProperty({ type: [Money], description: 'Per currency; unknown amounts are not in it' }) amountAtStake!: Money[];
}

export class RecoveredTotalDto {
  @ApiProperty({ type: 'integer', minimum: 0 }) count!: number;
  @ApiProperty({ type: [Money], description: 'Per currency: the rewards PartnerStack created or what it added' })
  recovered!: Money[];
}

export class MissedRewardClaimSummaryDto {
  @ApiProperty({ type: ClaimTotalDto, description: 'Claimable and before their deadline: the amount at stake' })
  open!: ClaimTotalDto;
  @ApiProperty({ type: ClaimTotalDto, description: 'Claimable, but past their deadline' })
  expired!: ClaimTotalDto;
  @ApiProperty({ type: RecoveredTotalDto, description: 'Paid by PartnerStack after they were missed' })
  resolved!: RecoveredTotalDto;
  @ApiProperty({
    type: ClaimTotalDto,
    description: 'Declines a claim cannot undo (refunded, duplicate, self-referral), open or expired: not at stake',
  })
  expectedDeclines!: ClaimTotalDto;
}

export class MissedRewardClaimSettingsDto extends MissedRewardThresholdsDto {
  @ApiProperty({ type: 'integer', description: 'Days after its transaction a missed reward can be claimed' })
  claimDays!: number;
}

export class RecoveredSummaryDto {
  @ApiProperty({ type: RecoveredTotalDto, description: 'Resolved in the current UTC calendar month' })
  thisMonth!: RecoveredTotalDto;
  @ApiProperty({ type: RecoveredTotalDto, description: 'Resolved in the current UTC calendar quarter' })
  thisQuarter!: RecoveredTotalDto;
  @ApiProperty({ type: RecoveredTotalDto }) allTime!: RecoveredTotalDto;
}
