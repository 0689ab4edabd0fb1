import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import { ApiList } from '../common/api-list.decorator';
import { listCsv, listPage } from '../common/list-spec';
import { KNOWN_PAYMENT_STATUSES, KNOWN_REWARD_STATUSES, partnerStackFilter } from '../common/partnerstack-values.dto';
import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { TenantScope } from '../database/tenant-scope';
import { RewardDto, rewardList, RewardListQueryDto } from './rewards.list';

@ApiTags('rewards')
@ApiBearerAuth()
@Controller('v1/rewards')
export class RewardsController {
  constructor(private readonly database: ReportingDatabase) {}

  @Get()
  @ApiList(RewardDto, {
    valueFilters: [
      partnerStackFilter('status', KNOWN_REWARD_STATUSES, 'reward_status'),
      partnerStackFilter('paymentStatus', KNOWN_PAYMENT_STATUSES, 'payment_status'),
    ],
  })
  public list(@Tenant() scope: TenantScope, @Query() query: RewardListQueryDto, @Headers('accept') accept?: string) {
    return wantsCsv(accept)
      ? listCsv(this.database, scope, rewardList, query)
      : listPage(this.database, scope, rewardList, query);
  }
}
