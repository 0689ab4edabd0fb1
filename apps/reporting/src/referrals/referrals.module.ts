import { Module } from '@nestjs/common';

import { ReferralsController } from './referrals.controller';
import { ReferralsRepository } from './referrals.repository';

@Module({ controllers: [ReferralsController], providers: [ReferralsRepository] })
export class ReferralsModule {}
