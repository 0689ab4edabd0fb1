import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import { ApiList } from '../common/api-list.decorator';
import { ListQueryDto } from '../common/list-query.dto';
import { listCsv, listPage } from '../common/list-spec';
import { KNOWN_LEAD_STATUSES, partnerStackFilter } from '../common/partnerstack-values.dto';
import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { TenantScope } from '../database/tenant-scope';
import { LeadDto, leadList } from './leads.list';

@ApiTags('leads')
@ApiBearerAuth()
@Controller('v1/leads')
export class LeadsController {
  constructor(private readonly database: ReportingDatabase) {}

  @Get()
  @ApiList(LeadDto, { valueFilters: [partnerStackFilter('status', KNOWN_LEAD_STATUSES, 'lead status')] })
  public list(@Tenant() scope: TenantScope, @Query() query: ListQueryDto, @Headers('accept') accept?: string) {
    return wantsCsv(accept)
      ? listCsv(this.database, scope, leadList, query)
      : listPage(this.database, scope, leadList, query);
  }
}
