import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';

import { Tenant } from '../common/tenant.decorator';
import { TenantScope } from '../database/tenant-scope';
import { SummaryDto, SummaryQueryDto } from './summary.dto';
import { SummaryRepository } from './summary.repository';

@ApiTags('summary')
@ApiBearerAuth()
@Controller('v1/summary')
export class SummaryController {
  constructor(private readonly summaries: SummaryRepository) {}

  @Get()
  @ApiOkResponse({
    type: SummaryDto,
    description:
      'Counts and totals for the org: programs, referrals by status, revenue and refunds, rewards by status, payouts; ' +
      'dataAsOf (data complete up to then: the start of the newest succeeded sync) and per-stream freshness; with ' +
      'asOf, the reward figures as they were on that date',
  })
  public summary(@Tenant() scope: TenantScope, @Query() query: SummaryQueryDto): Promise<SummaryDto> {
    return this.summaries.summary(scope, query);
  }
}
