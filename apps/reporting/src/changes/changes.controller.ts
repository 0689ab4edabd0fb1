import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import { ApiList } from '../common/api-list.decorator';
import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { TenantScope } from '../database/tenant-scope';
import { CHANGE_DETAIL_MODELS, ChangeDto, ChangesQueryDto } from './changes.dto';
import { ChangesRepository } from './changes.repository';

@ApiTags('changes')
@ApiBearerAuth()
@Controller('v1/changes')
export class ChangesController {
  constructor(private readonly changes: ChangesRepository) {}

  /**
   * What changed since a time, newest first: new referrals, status changes, payouts, offer versions starting or
   * ending, missed rewards detected or resolved (a "since your last visit" panel); as CSV with `Accept: text/csv`.
   */
  @Get()
  @ApiList(ChangeDto, { extraModels: CHANGE_DETAIL_MODELS })
  public list(@Tenant() scope: TenantScope, @Query() query: ChangesQueryDto, @Headers('accept') accept?: string) {
    return wantsCsv(accept) ? this.changes.csv(scope, query) : this.changes.page(scope, query);
  }
}
