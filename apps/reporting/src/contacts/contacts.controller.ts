import { Controller, Get, Headers, NotFoundException, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';

import { recordId } from '../accounts/record-id';
import { ApiList } from '../common/api-list.decorator';
import { listCsv, listPage } from '../common/list-spec';
import { Tenant } from '../common/tenant.decorator';
import { wantsCsv } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { TenantScope } from '../database/tenant-scope';
import { ContactDetailDto } from './contact-detail.dto';
import { ContactDto, contactList, ContactListQueryDto } from './contacts.list';
import { ContactsRepository } from './contacts.repository';

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts')
export class ContactsController {
  constructor(
    private readonly database: ReportingDatabase,
    private readonly contacts: ContactsRepository,
  ) {}

  @Get()
  @ApiList(ContactDto)
  public list(@Tenant() scope: TenantScope, @Query() query: ContactListQueryDto, @Headers('accept') accept?: string) {
    const spec = contactList(query.programId);
    return wantsCsv(accept) ? listCsv(this.database, scope, spec, query) : listPage(this.database, scope, spec, query);
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid', description: 'Our contact id' })
  @ApiOkResponse({
    type: ContactDetailDto,
    description: 'The contact with its referrals in every program and accounts',
  })
  @ApiBadRequestResponse({ description: 'Not a contact id' })
  @ApiNotFoundResponse()
  public async detail(@Tenant() scope: TenantScope, @Param('id') id: string): Promise<ContactDetailDto> {
    const contact = await this.contacts.detail(scope, recordId(id, 'a contact'));
    if (!contact) throw new NotFoundException(`No contact '${id}' in this organisation`);
    return contact;
  }
}
