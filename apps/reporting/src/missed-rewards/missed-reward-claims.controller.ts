import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags, getSchemaPath } from '@nestjs/swagger';

import { ApiList } from '../common/api-list.decorator';
import { listCsv, listPage } from '../common/list-spec';
import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { TenantScope } from '../database/tenant-scope';
import { MissedRewardClaimSettingsDto, MissedRewardClaimSummaryDto } from './missed-reward-claims.dto';
import { MissedRewardClaimDto, missedRewardClaimList, MissedRewardClaimQueryDto } from './missed-reward-claims.list';
import { MissedRewardClaimsRepository } from './missed-reward-claims.repository';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports/missed-rewards/claims')
export class MissedRewardClaimsController {
  constructor(
    private readonly database: ReportingDatabase,
    private readonly claims: MissedRewardClaimsRepository,
  ) {}

  /**
   * Claim packs: each missed reward with the evidence a vendor's partner manager needs, its claim deadline and its
   * state (open, resolved, expired), soonest deadline first; as CSV with `Accept: text/csv`.
   */
  @Get()
  @ApiList(MissedRewardClaimDto, {
    extraModels: [MissedRewardClaimSummaryDto, MissedRewardClaimSettingsDto],
    extraProperties: {
      summary: {
        $ref: getSchemaPath(MissedRewardClaimSummaryDto),
        description: 'Per state over every page of the same filters (state and claimable aside)',
      },
      settings: { $ref: getSchemaPath(MissedRewardClaimSettingsDto) },
    },
  })
  public async list(
    @Tenant() scope: TenantScope,
    @Query() query: MissedRewardClaimQueryDto,
    @Headers('accept') accept?: string,
  ) {
    const now = new Date();
    const spec = missedRewardClaimList(this.claims.settings, now);
    if (wantsCsv(accept)) return listCsv(this.database, scope, spec, query);
    const [page, summary] = await Promise.all([
      listPage(this.database, scope, spec, query),
      this.claims.summary(scope, query, now),
    ]);
    return { ...page, summary, settings: this.claims.settings };
  }
}
