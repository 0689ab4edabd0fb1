import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';

import { Tenant } from '../common/tenant.decorator';
import { TenantScope } from '../database/tenant-scope';
import { EarningsDto, EarningsQueryDto } from './earnings.dto';
import { EarningsRepository } from './earnings.repository';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports/earnings')
export class EarningsController {
  constructor(private readonly earnings: EarningsRepository) {}

  @Get()
  @ApiOkResponse({
    type: EarningsDto,
    description:
      'Per program and currency: earned, scheduled, pending, approved (available), paid and clawed back; the balance, ' +
      'which may be negative and then blocks withdrawals; paid rewards reconciled with payouts; totals per currency',
  })
  public report(@Tenant() scope: TenantScope, @Query() query: EarningsQueryDto): Promise<EarningsDto> {
    return this.earnings.report(scope, query);
  }
}
