import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags, getSchemaPath } from '@nestjs/swagger';

import { ApiList } from '../common/api-list.decorator';
import { listCsv, listPage } from '../common/list-spec';
import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { TenantScope } from '../database/tenant-scope';
import { MissedRewardSummaryDto, MissedRewardThresholdsDto } from './missed-rewards.dto';
import { MissedRewardDto, missedRewardList, MissedRewardQueryDto } from './missed-rewards.list';
import { MissedRewardsRepository } from './missed-rewards.repository';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports/missed-rewards')
export class MissedRewardsController {
  constructor(
    private readonly database: ReportingDatabase,
    private readonly missedRewards: MissedRewardsRepository,
  ) {}

  /** Where the agency likely earned less than it should have; the JSON answer also sums every page per reason. */
  @Get()
  @ApiList(MissedRewardDto, {
    extraModels: [MissedRewardSummaryDto, MissedRewardThresholdsDto],
    extraProperties: {
      summary: {
        type: 'array',
        items: { $ref: getSchemaPath(MissedRewardSummaryDto) },
        description: 'Count and amount at stake per reason, over every page of the same filters',
      },
      thresholds: { $ref: getSchemaPath(MissedRewardThresholdsDto) },
    },
  })
  public async list(
    @Tenant() scope: TenantScope,
    @Query() query: MissedRewardQueryDto,
    @Headers('accept') accept?: string,
  ) {
    const cutoffs = this.missedRewards.cutoffs();
    const spec = missedRewardList(cutoffs, this.missedRewards.thresholds);
    if (wantsCsv(accept)) return listCsv(this.database, scope, spec, query);
    const [page, summary] = await Promise.all([
      listPage(this.database, scope, spec, query),
      this.missedRewards.summary(scope, query, cutoffs),
    ]);
    return { ...page, summary, thresholds: this.missedRewards.thresholds };
  }
}
