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
import { listCsv, listPage } from '../common/list-spec';
import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { TenantScope } from '../database/tenant-scope';
import { AccountDetailDto } from './account-detail.dto';
import { AccountDto, accountList, AccountListQueryDto } from './accounts.list';
import { AccountsRepository } from './accounts.repository';
import { recordId } from './record-id';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('v1/accounts')
export class AccountsController {
  constructor(
    private readonly database: ReportingDatabase,
    private readonly accounts: AccountsRepository,
  ) {}

  @Get()
  @ApiList(AccountDto)
  public list(@Tenant() scope: TenantScope, @Query() query: AccountListQueryDto, @Headers('accept') accept?: string) {
    const spec = accountList(query.programId);
    return wantsCsv(accept) ? listCsv(this.database, scope, spec, query) : listPage(this.database, scope, spec, query);
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid', description: 'Our account id' })
  @ApiOkResponse({
    type: AccountDetailDto,
    description: 'The account with its referrals in every program, contacts, totals, deals and leads',
  })
  @ApiBadRequestResponse({ description: 'Not an account id' })
  @ApiNotFoundResponse()
  public async detail(@Tenant() scope: TenantScope, @Param('id') id: string): Promise<AccountDetailDto> {
    const account = await this.accounts.detail(scope, recordId(id, 'an account'));
    if (!account) throw new NotFoundException(`No account '${id}' in this organisation`);
    return account;
  }
}
