import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import { ApiList } from '../common/api-list.decorator';
import { listCsv, listPage } from '../common/list-spec';
import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { TenantScope } from '../database/tenant-scope';
import { TransactionDto, transactionList, TransactionListQueryDto } from './transactions.list';

@ApiTags('transactions')
@ApiBearerAuth()
@Controller('v1/transactions')
export class TransactionsController {
  constructor(private readonly database: ReportingDatabase) {}

  @Get()
  @ApiList(TransactionDto)
  public list(
    @Tenant() scope: TenantScope,
    @Query() query: TransactionListQueryDto,
    @Headers('accept') accept?: string,
  ) {
    return wantsCsv(accept)
      ? listCsv(this.database, scope, transactionList, query)
      : listPage(this.database, scope, transactionList, query);
  }
}
