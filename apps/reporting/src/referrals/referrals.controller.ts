import { Controller, Get, Headers, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';

import { ApiList } from '../common/api-list.decorator';
import { listCsv, listPage } from '../common/list-spec';
import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { TenantScope } from '../database/tenant-scope';
import { REFERRAL_STATUSES, ReferralDto, referralList, ReferralListQueryDto } from './referrals.list';
import { ReferralDetailDto } from './referral-detail.dto';
import { ReferralsRepository } from './referrals.repository';

@ApiTags('referrals')
@ApiBearerAuth()
@Controller('v1/referrals')
export class ReferralsController {
  constructor(
    private readonly database: ReportingDatabase,
    private readonly referrals: ReferralsRepository,
  ) {}

  @Get()
  @ApiList(ReferralDto, {
    valueFilters: [
      { name: 'status', values: REFERRAL_STATUSES, open: false, description: 'Only referrals in this status' },
    ],
  })
  public list(@Tenant() scope: TenantScope, @Query() query: ReferralListQueryDto, @Headers('accept') accept?: string) {
    return wantsCsv(accept)
      ? listCsv(this.database, scope, referralList, query)
      : listPage(this.database, scope, referralList, query);
  }

  @Get(':id')
  @ApiOkResponse({
    type: ReferralDetailDto,
    description: 'The referral with its status history, transactions and rewards',
  })
  @ApiNotFoundResponse()
  public async detail(@Tenant() scope: TenantScope, @Param('id') id: string): Promise<ReferralDetailDto> {
    const referral = await this.referrals.detail(scope, id);
    if (!referral) throw new NotFoundException(`No referral '${id}' in this organisation`);
    return referral;
  }
}
