import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import { ApiList } from '../common/api-list.decorator';
import { ListQueryDto } from '../common/list-query.dto';
import { listCsv, listPage } from '../common/list-spec';
import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { TenantScope } from '../database/tenant-scope';
import { SyncRunDto, syncRunList } from './sync-runs.list';

@ApiTags('sync-runs')
@ApiBearerAuth()
@Controller('v1/sync-runs')
export class SyncRunsController {
  constructor(private readonly database: ReportingDatabase) {}

  @Get()
  @ApiList(SyncRunDto)
  public list(@Tenant() scope: TenantScope, @Query() query: ListQueryDto, @Headers('accept') accept?: string) {
    return wantsCsv(accept)
      ? listCsv(this.database, scope, syncRunList, query)
      : listPage(this.database, scope, syncRunList, query);
  }
}
