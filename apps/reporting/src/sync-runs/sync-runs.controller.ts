import { Controller, Get, Headers, NotFoundException, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';

import { ApiList } from '../common/api-list.decorator';
import { ListQueryDto } from '../common/list-query.dto';
import { listCsv, listPage } from '../common/list-spec';
import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { TenantScope } from '../database/tenant-scope';
import { SyncRunDto, syncRunList } from './sync-runs.list';
import { REPORTED_SYNC_RUN_STATUSES } from './sync-run-streams.dto';
import { SyncRunsRepository } from './sync-runs.repository';

@ApiTags('sync-runs')
@ApiBearerAuth()
@Controller('v1/sync-runs')
export class SyncRunsController {
  constructor(
    private readonly database: ReportingDatabase,
    private readonly syncRuns: SyncRunsRepository,
  ) {}

  @Get()
  @ApiList(SyncRunDto, {
    valueFilters: [
      { name: 'status', values: REPORTED_SYNC_RUN_STATUSES, open: false, description: 'Only runs in this status' },
    ],
  })
  public list(@Tenant() scope: TenantScope, @Query() query: ListQueryDto, @Headers('accept') accept?: string) {
    return wantsCsv(accept)
      ? listCsv(this.database, scope, syncRunList, query)
      : listPage(this.database, scope, syncRunList, query);
  }

  @Get(':id')
  @ApiParam({ name: 'id', description: "Our id, or the sync service's run id (`externalKey`, as `POST …/sync` gives)" })
  @ApiOkResponse({ type: SyncRunDto, description: "The run; a merged run with its target's status" })
  @ApiBadRequestResponse({ description: 'Not a sync run id' })
  @ApiNotFoundResponse()
  public async detail(@Tenant() scope: TenantScope, @Param('id') id: string): Promise<SyncRunDto> {
    const run = await this.syncRuns.detail(scope, id);
    if (!run) throw new NotFoundException(`No sync run '${id}' in this organisation`);
    return run;
  }
}
