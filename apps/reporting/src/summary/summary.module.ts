import { Module } from '@nestjs/common';

import { MissedRewardsModule } from '../missed-rewards/missed-rewards.module';
import { SummaryController } from './summary.controller';
import { SummaryRepository } from './summary.repository';

@Module({ imports: [MissedRewardsModule], controllers: [SummaryController], providers: [SummaryRepository] })
export class SummaryModule {}
