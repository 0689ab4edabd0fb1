import { Module } from '@nestjs/common';

import { MissedRewardClaimsController } from './missed-reward-claims.controller';
import { MissedRewardClaimsRepository } from './missed-reward-claims.repository';
import { MissedRewardsController } from './missed-rewards.controller';
import { MissedRewardsRepository } from './missed-rewards.repository';

@Module({
  controllers: [MissedRewardsController, MissedRewardClaimsController],
  providers: [MissedRewardsRepository, MissedRewardClaimsRepository],
  exports: [MissedRewardClaimsRepository],
})
export class MissedRewardsModule {}
