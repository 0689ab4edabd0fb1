import { All, Controller, Get, Logger, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { sleep } from '@pp/common';

import { UnknownCursorError } from '../agencies/agency';
import { AgencyRegistry } from '../agencies/agency-registry.service';
import { API_PREFIX, MESSAGES, UNKNOWN_CURSOR_RESPONSE } from '../sandbox.constants';
import { rejectedCallerName, sandboxCaller } from './bearer-token';
import { InvalidListQueryError, parseListQuery, SandboxStream } from './list-query';
import { TrafficService } from './traffic.service';

const ERROR_MESSAGES: Record<number, string> = {
  400: MESSAGES.badRequest,
  401: MESSAGES.unauthorized,
  403: MESSAGES.forbidden,
  404: MESSAGES.notFound,
  429: MESSAGES.tooManyRequests,
  500: MESSAGES.serverError,
  502: MESSAGES.badGateway,
  503: MESSAGES.unavailable,
};

/** PartnerStack's Partner API, list endpoints only (partnerstack-api.md §2.1), with faults on demand. */
@Controller(API_PREFIX)
@ApiExcludeController()
export class PartnerApiController {
  private readonly logger = new Logger(PartnerApiController.name);

  constructor(
    private readonly agencies: AgencyRegistry,
    private readonly traffic: TrafficService,
  ) {}

  @Get('partnerships')
  public partnerships(@Req() request: Request, @Res() response: Response) {
    return this.serve('partnerships', request, response);
  }

  @Get('customers')
  public customers(@Req() request: Request, @Res() response: Response) {
    return this.serve('customers', request, response);
  }

  @Get('transactions')
  public transactions(@Req() request: Request, @Res() response: Response) {
    return this.serve('transactions', request, response);
  }

  @Get('rewards')
  public rewards(@Req() request: Request, @Res() response: Response) {
    return this.serve('rewards', request, response);
  }

  @Get('payouts')
  public payouts(@Req() request: Request, @Res() response: Response) {
    return this.serve('payouts', request, response);
  }

  @Get('actions')
  public actions(@Req() request: Request, @Res() response: Response) {
    return this.serve('actions', request, response);
  }

  @Get('marketplace/programs')
  public marketplacePrograms(@Req() request: Request, @Res() response: Response) {
    return this.serve('marketplace_programs', request, response);
  }

  @Get('deals')
  public deals(@Req() request: Request, @Res() response: Response) {
    return this.serve('deals', request, response);
  }

  @Get('leads')
  public leads(@Req() request: Request, @Res() response: Response) {
    return this.serve('leads', request, response);
  }

  /** [O] ADB: single-program lookups answer 404 in practice; every other path is unknown to the Partner API. */
  @Get('marketplace/programs/:companyKey')
  public marketplaceProgram(@Req() request: Request, @Res() response: Response) {
    this.notFound(request, response);
  }

  @All('*path')
  public unknown(@Req() request: Request, @Res() response: Response) {
    this.notFound(request, response);
  }

  private notFound(request: Request, response: Response): void {
    const caller = sandboxCaller(request);
    const endpoint = 'unknown';
    if (!caller) {
      this.traffic.record(rejectedCallerName(request), endpoint, 401);
      this.error(response, 401);
      return;
    }
    this.traffic.record(caller.fingerprint, endpoint, 404);
    this.error(response, 404);
  }

  private async serve(stream: SandboxStream, request: Request, response: Response): Promise<void> {
    const caller = sandboxCaller(request);
    if (!caller) {
      this.traffic.record(rejectedCallerName(request), stream, 401);
      this.error(response, 401);
      return;
    }
    const { fingerprint, token } = caller;
    const faults = this.agencies.faultsFor(fingerprint);
    const waitMs = this.traffic.takeRateLimit(fingerprint, faults.rateLimitPerMinute);
    if (waitMs > 0) {
      this.traffic.record(fingerprint, stream, 429, { rateLimited: true });
      response.setHeader('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
      this.error(response, 429);
      return;
    }
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (faults.errorRate > 0 && Math.random() < faults.errorRate) {
      const statuses = faults.errorStatuses.length > 0 ? faults.errorStatuses : [500];
      const status = statuses[Math.floor(Math.random() * statuses.length)];
      this.traffic.record(fingerprint, stream, status, { injected: true });
      this.error(response, status);
      return;
    }
    const agency = this.agencies.agency(fingerprint, token);
    if ((stream === 'deals' || stream === 'leads') && !this.agencies.streamAvailable(agency, stream)) {
      this.traffic.record(fingerprint, stream, 403);
      this.error(response, 403);
      return;
    }
    let body: string;
    try {
      const page = agency.list(stream, parseListQuery(stream, request.query as Record<string, unknown>));
      body = JSON.stringify({
        data: { items: page.items, has_more: page.hasMore },
        message: MESSAGES.page,
        status: 200,
      });
    } catch (error) {
      if (error instanceof InvalidListQueryError || error instanceof UnknownCursorError) {
        const status = error instanceof UnknownCursorError ? UNKNOWN_CURSOR_RESPONSE : 400;
        this.traffic.record(fingerprint, stream, status);
        this.error(response, status, error.message);
        return;
      }
      throw error;
    }
    if (faults.cutRate > 0 && Math.random() < faults.cutRate) {
      this.traffic.record(fingerprint, stream, 200, { cut: true });
      this.cut(response, body);
      return;
    }
    this.traffic.record(fingerprint, stream, 200);
    response.status(200).type('application/json').send(body);
  }

  private error(response: Response, status: number, detail?: string): void {
    const message = ERROR_MESSAGES[status] ?? 'Error';
    response
      .status(status)
      .type('application/json')
      .send(JSON.stringify({ message: detail ? `${message}: ${detail}` : message, status }));
  }

  /** Sends the headers and part of the body, then drops the connection, as a dying proxy would. */
  private cut(response: Response, body: string): void {
    const bytes = Buffer.from(body, 'utf8');
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(bytes.length) });
    response.write(bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))), () => {
      response.socket?.destroy();
    });
    this.logger.debug('Cut a connection mid-body (fault injection)');
  }
}
