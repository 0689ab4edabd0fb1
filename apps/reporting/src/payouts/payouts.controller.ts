import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import { ApiList } from '../common/api-list.decorator';
import { ListQueryDto } from '../common/list-query.dto';
import { listCsv, listPage } from '../common/list-spec';
import { KNOWN_PAYOUT_STATUSES, partnerStackFilter } from '../common/partnerstack-values.dto';
import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { TenantScope } from '../database/tenant-scope';
import { PayoutDto, payoutList } from './payouts.list';

@ApiTags('payouts')
@ApiBearerAuth()
@Controller('v1/payouts')
export class PayoutsController {
  constructor(private readonly database: ReportingDatabase) {}

  @Get()
  @ApiList(PayoutDto, { valueFilters: [partnerStackFilter('status', KNOWN_PAYOUT_STATUSES, 'payout status')] })
  public list(@Tenant() scope: TenantScope, @Query() query: ListQueryDto, @Headers('accept') accept?: string) {
    return wantsCsv(accept)
      ? listCsv(this.database, scope, payoutList, query)
      : listPage(this.database, scope, payoutList, query);
  }
}
