import { Module } from '@nestjs/common';

import { MissedRewardsController } from './missed-rewards.controller';
import { MissedRewardsRepository } from './missed-rewards.repository';

@Module({ controllers: [MissedRewardsController], providers: [MissedRewardsRepository] })
export class MissedRewardsModule {}
