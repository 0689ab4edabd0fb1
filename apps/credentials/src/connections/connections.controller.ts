import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Put, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';

import { ADMIN_ROLE, AuthenticatedUser, CurrentUser, RequireRoles } from '@pp/auth';

import { AuditPageDto, AuditQueryDto } from '../audit/audit.dto';
import { AuditRepository } from '../audit/audit.repository';
import { AUDIT_PAGE_DEFAULT } from '../credentials.constants';
import { ConnectionsService } from './connections.service';
import { ConnectTokenDto } from './dto/connect-token.dto';
import {
  IntegrationStatusDto,
  PostbackUrlDto,
  RequestSyncDto,
  StatusQueryDto,
  SyncRequestedDto,
} from './dto/integration-status.dto';

@ApiTags('integrations')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'missing, expired or badly signed JWT' })
@ApiForbiddenResponse({ description: 'JWT without org claim, or without the admin role for writes' })
@Controller('v1/integrations/partnerstack')
export class ConnectionsController {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly audit: AuditRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: "The org's PartnerStack connection status (never the token)" })
  @ApiOkResponse({ type: IntegrationStatusDto })
  @ApiNotFoundResponse({ description: 'the org never connected' })
  public status(@CurrentUser() user: AuthenticatedUser, @Query() query: StatusQueryDto): Promise<IntegrationStatusDto> {
    return this.connections.status(user, query.syncRunId);
  }

  @Put()
  @RequireRoles(ADMIN_ROLE)
  @ApiOperation({
    summary: 'Connect or rotate: validate the token with PartnerStack, store it encrypted, sync at once',
  })
  @ApiOkResponse({ type: IntegrationStatusDto })
  @ApiUnprocessableEntityResponse({ description: 'PartnerStack rejected the token; nothing stored' })
  @ApiTooManyRequestsResponse({ description: 'too many token attempts for the org in the last minute' })
  @ApiServiceUnavailableResponse({ description: 'PartnerStack unreachable or failing; nothing stored' })
  public connect(@CurrentUser() user: AuthenticatedUser, @Body() body: ConnectTokenDto): Promise<IntegrationStatusDto> {
    return this.connections.connect(user, body.token);
  }

  @Delete()
  @RequireRoles(ADMIN_ROLE)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Disconnect: destroy the token and stop syncs; synced data stays' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'the org never connected' })
  public disconnect(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    return this.connections.disconnect(user);
  }

  @Post('sync')
  @RequireRoles(ADMIN_ROLE)
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      'Sync now, unless a sync is running or was just requested (then its id); mode full re-reads everything (once an hour)',
  })
  @ApiBody({ type: RequestSyncDto, required: false })
  @ApiAcceptedResponse({ type: SyncRequestedDto })
  @ApiBadRequestResponse({ description: 'unknown mode or field' })
  @ApiNotFoundResponse({ description: 'the org never connected' })
  @ApiConflictResponse({ description: 'the connection is disconnected or its token is invalid' })
  @ApiTooManyRequestsResponse({ description: 'a full sync was requested less than an hour ago (Retry-After, retryAt)' })
  public requestSync(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: RequestSyncDto = {},
  ): Promise<SyncRequestedDto> {
    return this.connections.requestSync(user, body.mode ?? 'incremental');
  }

  @Post('postback-url')
  @RequireRoles(ADMIN_ROLE)
  @ApiOperation({ summary: 'Replace the secret postback URL; the old one stops working at once' })
  @ApiOkResponse({ type: PostbackUrlDto })
  @ApiNotFoundResponse({ description: 'the org never connected' })
  @ApiConflictResponse({ description: 'the connection is disconnected' })
  @HttpCode(HttpStatus.OK)
  public rotatePostbackUrl(@CurrentUser() user: AuthenticatedUser): Promise<PostbackUrlDto> {
    return this.connections.rotatePostbackUrl(user);
  }

  @Get('audit')
  @RequireRoles(ADMIN_ROLE)
  @ApiOperation({ summary: 'Who connected, rotated, disconnected or requested syncs, newest first' })
  @ApiOkResponse({ type: AuditPageDto })
  public async auditTrail(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: AuditQueryDto,
  ): Promise<AuditPageDto> {
    const limit = query.limit ?? AUDIT_PAGE_DEFAULT;
    const rows = await this.audit.list(user.orgId, limit + 1, query.cursor);
    const page = rows.slice(0, limit);
    return {
      data: page.map((entry) => ({
        id: entry.id,
        action: entry.action,
        actorUserId: entry.actorUserId,
        tokenHint: entry.tokenHint,
        detail: entry.detail,
        correlationId: entry.correlationId,
        occurredAt: entry.occurredAt.toISOString(),
      })),
      nextCursor: rows.length > limit ? page[page.length - 1].id : null,
    };
  }
}
