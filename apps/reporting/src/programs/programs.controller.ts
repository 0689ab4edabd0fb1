import { Controller, Get, Headers, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';

import { ApiList } from '../common/api-list.decorator';
import { ListQueryDto } from '../common/list-query.dto';
import { KNOWN_PARTNERSHIP_STATUSES, partnerStackFilter } from '../common/partnerstack-values.dto';
import { listCsv, listPage } from '../common/list-spec';
import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { TenantScope } from '../database/tenant-scope';
import { ProgramDto, programList } from './programs.list';
import { ProgramDetailDto } from './program-detail.dto';
import { ProgramOffersDto } from './program-offers.dto';
import { ProgramsRepository } from './programs.repository';

@ApiTags('programs')
@ApiBearerAuth()
@Controller('v1/programs')
export class ProgramsController {
  constructor(
    private readonly database: ReportingDatabase,
    private readonly programs: ProgramsRepository,
  ) {}

  @Get()
  @ApiList(ProgramDto, {
    valueFilters: [partnerStackFilter('status', KNOWN_PARTNERSHIP_STATUSES, 'partnership status')],
  })
  public list(@Tenant() scope: TenantScope, @Query() query: ListQueryDto, @Headers('accept') accept?: string) {
    return wantsCsv(accept)
      ? listCsv(this.database, scope, programList, query)
      : listPage(this.database, scope, programList, query);
  }

  @Get(':id')
  @ApiOkResponse({
    type: ProgramDetailDto,
    description: 'The program with group/tier, referral link, commission rules and totals',
  })
  @ApiNotFoundResponse()
  public async detail(@Tenant() scope: TenantScope, @Param('id') id: string): Promise<ProgramDetailDto> {
    const program = await this.programs.detail(scope, id);
    if (!program) throw new NotFoundException(`No program '${id}' in this organisation`);
    return program;
  }

  @Get(':id/offers')
  @ApiOkResponse({
    type: ProgramOffersDto,
    description:
      'The history of the offers: each version of the terms with when it came into force and when it was replaced',
  })
  @ApiNotFoundResponse()
  public async offers(@Tenant() scope: TenantScope, @Param('id') id: string): Promise<ProgramOffersDto> {
    const offers = await this.programs.offers(scope, id);
    if (!offers) throw new NotFoundException(`No program '${id}' in this organisation`);
    return offers;
  }
}
