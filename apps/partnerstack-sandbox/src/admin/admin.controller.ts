import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Post,
  Put,
  Req,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';

import { Agency, FaultSettings } from '../agencies/agency';
import { AgencyRegistry } from '../agencies/agency-registry.service';
import { SandboxSettings } from '../agencies/sandbox-settings';
import { SandboxCaller, sandboxCaller } from '../api/bearer-token';
import { TrafficService } from '../api/traffic.service';
import { postbackBatch } from '../postbacks/postback-events';
import { PostbackService } from '../postbacks/postback.service';
import { ADMIN_PREFIX, POSTBACK_MAX_CALLS_PER_ADVANCE } from '../sandbox.constants';
import { AdvanceDto, ConfigureAgencyDto, FaultSettingsDto } from './admin.dto';

/**
 * Test and benchmark controls. Agency endpoints name the agency with the same `Authorization: Bearer sandbox_…`
 * header the Partner API takes, so tokens never appear in URLs (and so never in access logs).
 */
@Controller(ADMIN_PREFIX)
@ApiTags('sandbox admin')
@ApiBearerAuth()
export class AdminController {
  constructor(
    private readonly agencies: AgencyRegistry,
    private readonly traffic: TrafficService,
    private readonly settings: SandboxSettings,
    private readonly postbacks: PostbackService,
  ) {}

  @Get('agency')
  @ApiOperation({ summary: "The agency's configuration" })
  public agency(@Req() request: Request) {
    const caller = this.caller(request);
    return this.describe(this.agencies.agency(caller.fingerprint, caller.token));
  }

  @Put('agency')
  @ApiOperation({ summary: 'Size, deals/leads visibility, postback URL and faults of one agency' })
  public configure(@Req() request: Request, @Body() body: ConfigureAgencyDto) {
    const caller = this.caller(request);
    return this.describe(
      this.agencies.configure(caller.fingerprint, caller.token, {
        records: body.records,
        dealsVisible: body.dealsVisible,
        leadsVisible: body.leadsVisible,
        postbackUrl: body.postbackUrl,
        faults: body.faults ? stripUndefined(body.faults) : undefined,
      }),
    );
  }

  @Post('agency/advance')
  @HttpCode(200)
  @ApiOperation({
    summary: "Moves the agency's clock forward by N days and returns the new ground truth; postbacks follow",
  })
  public advance(@Req() request: Request, @Body() body: AdvanceDto) {
    const caller = this.caller(request);
    const from = this.agencies.agency(caller.fingerprint, caller.token).now;
    const agency = this.agencies.advance(caller.fingerprint, caller.token, body.days);
    const url = agency.config.postbackUrl;
    if (url) {
      this.postbacks.enqueue(
        caller.fingerprint,
        url,
        postbackBatch(agency, from, agency.now, POSTBACK_MAX_CALLS_PER_ADVANCE),
      );
    }
    return this.agencies.groundTruth(agency);
  }

  @Post('agency/postback-test')
  @HttpCode(200)
  @ApiOperation({ summary: "Sends PartnerStack's test postback to the agency's postback URL and reports the outcome" })
  public postbackTest(@Req() request: Request) {
    const caller = this.caller(request);
    const url = this.agencies.agency(caller.fingerprint, caller.token).config.postbackUrl;
    if (!url) throw new BadRequestException('No postbackUrl set for this agency: PUT /admin/agency {"postbackUrl": …}');
    return this.postbacks.sendTest(url);
  }

  @Get('agency/ground-truth')
  @ApiOperation({ summary: 'Counts and sums of everything the Partner API returns for this agency now' })
  public groundTruth(@Req() request: Request) {
    const caller = this.caller(request);
    return this.agencies.groundTruth(this.agencies.agency(caller.fingerprint, caller.token));
  }

  @Get('agency/stats')
  public agencyStats(@Req() request: Request) {
    return this.traffic.statsFor(this.caller(request).fingerprint);
  }

  @Delete('agency/stats')
  @HttpCode(204)
  public resetAgencyStats(@Req() request: Request): void {
    this.traffic.resetStats(this.caller(request).fingerprint);
  }

  @Get('stats')
  @ApiOperation({ summary: 'Calls per endpoint and status, 429s served, injected faults: in total and per agency' })
  public stats() {
    return this.traffic.allStats();
  }

  @Delete('stats')
  @HttpCode(204)
  public resetStats(): void {
    this.traffic.resetStats();
  }

  @Get('faults')
  public faults(): FaultSettings {
    return this.settings.values.faults;
  }

  @Put('faults')
  @ApiOperation({ summary: 'Faults for every agency without its own' })
  public setFaults(@Body() body: FaultSettingsDto): FaultSettings {
    const change = stripUndefined(body);
    const faults: Partial<FaultSettings> = {};
    if ('rateLimitPerMinute' in change) faults.rateLimitPerMinute = change.rateLimitPerMinute || null;
    if (change.errorRate != null) faults.errorRate = change.errorRate;
    if (change.errorStatuses != null) faults.errorStatuses = change.errorStatuses;
    if (change.latencyMs != null) faults.latencyMs = change.latencyMs;
    if (change.cutRate != null) faults.cutRate = change.cutRate;
    this.settings.apply({ faults });
    this.traffic.resetLimits();
    return this.settings.values.faults;
  }

  @Post('reset')
  @HttpCode(204)
  @ApiOperation({ summary: 'Forgets every agency, statistic and global fault set at run time' })
  public reset(): void {
    this.agencies.reset();
    this.postbacks.resetStats();
    this.traffic.resetStats();
    this.traffic.resetLimits();
    this.settings.apply({
      faults: { rateLimitPerMinute: null, errorRate: 0, errorStatuses: [500, 502, 503], latencyMs: 0, cutRate: 0 },
    });
  }

  private caller(request: Request): SandboxCaller {
    const caller = sandboxCaller(request);
    if (!caller) throw new UnauthorizedException('Send the agency token as Authorization: Bearer sandbox_…');
    return caller;
  }

  private describe(agency: Agency) {
    return {
      fingerprint: agency.fingerprint,
      records: agency.config.records,
      generatedRecords: agency.data.recordCount(),
      daysAdvanced: agency.config.daysAdvanced,
      now: agency.now,
      nowIso: new Date(agency.now).toISOString(),
      dealsVisible: this.agencies.streamAvailable(agency, 'deals'),
      leadsVisible: this.agencies.streamAvailable(agency, 'leads'),
      faults: this.agencies.faultsFor(agency.fingerprint),
      postbackUrl: agency.config.postbackUrl,
      postbacks: this.postbacks.statsFor(agency.fingerprint),
    };
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as T;
}
