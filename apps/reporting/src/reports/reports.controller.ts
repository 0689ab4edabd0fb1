import { applyDecorators, Controller, Get, Headers, Query, StreamableFile, Type } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiHeader, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';

import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { TenantScope } from '../database/tenant-scope';
import { AccountReports, refuseAccountOnlyParameters, revenueCsv, rewardsCsv } from './account-reports';
import { asOfCutoff } from './as-of';
import { RevenueReportQueryDto, RewardReportQueryDto } from './report-query.dto';
import { RevenueReportDto, RewardReportDto } from './report-response.dto';
import { ReportsRepository } from './reports.repository';

/** A report as JSON; groupBy=account also as the whole ranking in CSV, as every paginated list is offered. */
function ApiReport(model: Type<unknown>, description: string) {
  return applyDecorators(
    ApiExtraModels(model),
    ApiHeader({
      name: 'accept',
      required: false,
      description: '`text/csv` for the CSV download of groupBy=account; JSON otherwise',
      example: 'text/csv',
    }),
    ApiOkResponse({
      description,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(model) } },
        'text/csv': {
          schema: {
            type: 'string',
            description:
              'groupBy=account only: a header row, then one row per client account from `cursor` on (`limit` does ' +
              'not apply), money as `<amount> <currency>` pairs; sent as an attachment',
          },
        },
      },
    }),
  );
}

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportsRepository,
    private readonly accounts: AccountReports,
  ) {}

  @Get('revenue')
  @ApiReport(
    RevenueReportDto,
    'Revenue (refunds apart) per program, per month, or per client account (top first, paginated)',
  )
  public async revenue(
    @Tenant() scope: TenantScope,
    @Query() query: RevenueReportQueryDto,
    @Headers('accept') accept?: string,
  ): Promise<RevenueReportDto | StreamableFile> {
    refuseAccountOnlyParameters(query, wantsCsv(accept));
    if (query.groupBy === 'account' && wantsCsv(accept)) return revenueCsv(this.accounts, scope, query);
    if (query.groupBy === 'account') return { groupBy: query.groupBy, ...(await this.accounts.revenue(scope, query)) };
    return { groupBy: query.groupBy, data: await this.reports.revenue(scope, query) };
  }

  @Get('rewards')
  @ApiReport(
    RewardReportDto,
    'Rewards per program, month, reward_status or client account (top first, paginated); with asOf, as they were on that date',
  )
  public async rewards(
    @Tenant() scope: TenantScope,
    @Query() query: RewardReportQueryDto,
    @Headers('accept') accept?: string,
  ): Promise<RewardReportDto | StreamableFile> {
    refuseAccountOnlyParameters(query, wantsCsv(accept));
    if (query.asOf !== undefined) {
      return { groupBy: query.groupBy, ...(await this.reports.rewardsAsOf(scope, query, asOfCutoff(query.asOf))) };
    }
    if (query.groupBy === 'account' && wantsCsv(accept)) return rewardsCsv(this.accounts, scope, query);
    if (query.groupBy === 'account') return { groupBy: query.groupBy, ...(await this.accounts.rewards(scope, query)) };
    return { groupBy: query.groupBy, data: await this.reports.rewards(scope, query) };
  }
}
