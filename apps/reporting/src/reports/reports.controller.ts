import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';

import { Tenant } from '../common/tenant.decorator';
import { TenantScope } from '../database/tenant-scope';
import { RevenueReportQueryDto, RewardReportQueryDto } from './report-query.dto';
import { RevenueReportDto, RewardReportDto } from './report-response.dto';
import { ReportsRepository } from './reports.repository';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsRepository) {}

  @Get('revenue')
  @ApiOkResponse({ description: 'Revenue (refunds apart) per program or per month', type: RevenueReportDto })
  public async revenue(@Tenant() scope: TenantScope, @Query() query: RevenueReportQueryDto): Promise<RevenueReportDto> {
    return { groupBy: query.groupBy, data: await this.reports.revenue(scope, query) };
  }

  @Get('rewards')
  @ApiOkResponse({ description: 'Rewards per program, month or reward_status', type: RewardReportDto })
  public async rewards(@Tenant() scope: TenantScope, @Query() query: RewardReportQueryDto): Promise<RewardReportDto> {
    return { groupBy: query.groupBy, data: await this.reports.rewards(scope, query) };
  }
}
