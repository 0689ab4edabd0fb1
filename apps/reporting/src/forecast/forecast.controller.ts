import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';

import { Tenant } from '../common/tenant.decorator';
import { TenantScope } from '../database/tenant-scope';
import { ForecastDto, ForecastQueryDto } from './forecast.dto';
import { ForecastRepository } from './forecast.repository';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports/forecast')
export class ForecastController {
  constructor(private readonly forecasts: ForecastRepository) {}

  @Get()
  @ApiOkResponse({
    type: ForecastDto,
    description:
      'Expected payouts per month, this month and the next two, per program and currency, from the open rewards and ' +
      "each program's observed approval rate, approval lag and payout day; the method and inputs are in the response",
  })
  public forecast(@Tenant() scope: TenantScope, @Query() query: ForecastQueryDto): Promise<ForecastDto> {
    return this.forecasts.forecast(scope, query);
  }
}
