import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import { ApiList } from '../common/api-list.decorator';
import { ListQueryDto } from '../common/list-query.dto';
import { listCsv, listPage } from '../common/list-spec';
import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { TenantScope } from '../database/tenant-scope';
import { DealDto, dealList } from './deals.list';

@ApiTags('deals')
@ApiBearerAuth()
@Controller('v1/deals')
export class DealsController {
  constructor(private readonly database: ReportingDatabase) {}

  @Get()
  @ApiList(DealDto)
  public list(@Tenant() scope: TenantScope, @Query() query: ListQueryDto, @Headers('accept') accept?: string) {
    return wantsCsv(accept)
      ? listCsv(this.database, scope, dealList, query)
      : listPage(this.database, scope, dealList, query);
  }
}
