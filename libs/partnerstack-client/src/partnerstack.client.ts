import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger } from '@nestjs/common';
import axios, { AxiosResponse } from 'axios';
import { firstValueFrom } from 'rxjs';

import { describeError, sleep } from '@pp/common';
import type { PartnerStackStream } from '@pp/contracts';

import {
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_CAP_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_REQUESTS_PER_MINUTE,
  DEFAULT_TIMEOUT_MS,
  MAX_PAGE_SIZE,
  RETRYABLE_STATUSES,
  STREAM_PATHS,
  VERIFY_TOKEN_STREAM,
} from './partnerstack.constants';
import {
  PartnerStackBadRequestError,
  PartnerStackError,
  PartnerStackForbiddenError,
  PartnerStackInvalidTokenError,
  PartnerStackNotFoundError,
  PartnerStackRateLimitedError,
  PartnerStackUpstreamError,
} from './partnerstack.errors';
import type {
  ActionRecord,
  CustomerRecord,
  DealRecord,
  LeadRecord,
  ListParams,
  MarketplaceProgramRecord,
  Page,
  PartnershipRecord,
  PartnerStackClientOptions,
  PayoutRecord,
  RecordOf,
  RequestPacer,
  RewardRecord,
  StreamParams,
  TransactionRecord,
} from './partnerstack.types';
import { MalformedPageError, parsePage, retryAfterMs, upstreamMessage } from './response-parser';
import { TokenBucketPacer } from './token-bucket.pacer';
import { tokenFingerprint } from './token-fingerprint';

export const PARTNERSTACK_CLIENT_OPTIONS = Symbol('PARTNERSTACK_CLIENT_OPTIONS');

type Outcome =
  | { kind: 'page'; page: Page }
  | { kind: 'retry'; status: number | null; reason: string; waitMs?: number }
  | { kind: 'fail'; error: PartnerStackError };

/**
 * PartnerStack's Partner API, list endpoints only. Retries transient failures with exponential backoff and
 * full jitter (honouring `Retry-After` on 429), paces requests per token, and throws only `PartnerStackError`s.
 * The token goes into one header of one request and nowhere else: not into logs, errors or events.
 */
@Injectable()
export class PartnerStackClient {
  private readonly logger = new Logger(PartnerStackClient.name);
  private readonly baseUrl: string;
  private readonly pacer: RequestPacer;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;

  constructor(
    private readonly http: HttpService,
    @Inject(PARTNERSTACK_CLIENT_OPTIONS) private readonly options: PartnerStackClientOptions,
  ) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.pacer = options.pacer ?? new TokenBucketPacer(options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.backoffBaseMs = options.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
    this.backoffCapMs = options.backoffCapMs ?? DEFAULT_BACKOFF_CAP_MS;
  }

  /** For scripts and tests outside a Nest container. */
  static create(options: PartnerStackClientOptions): PartnerStackClient {
    return new PartnerStackClient(new HttpService(axios.create()), options);
  }

  /** One cheap authenticated call; resolves when PartnerStack accepts the token. */
  public async verifyToken(token: string): Promise<void> {
    await this.listPage(token, VERIFY_TOKEN_STREAM, { limit: 1 });
  }

  public listPage<S extends PartnerStackStream>(
    token: string,
    stream: S,
    params?: StreamParams[S] | ListParams,
  ): Promise<Page<RecordOf<S>>>;
  public async listPage(token: string, stream: PartnerStackStream, params: ListParams = {}): Promise<Page> {
    const fingerprint = tokenFingerprint(token);
    const query = toQuery(params);
    let lastRetry: Extract<Outcome, { kind: 'retry' }> | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      await this.pacer.acquire(fingerprint);
      const outcome = await this.attempt({ token, stream, query, attempt });
      if (outcome.kind === 'page') return outcome.page;
      if (outcome.kind === 'fail') throw outcome.error;
      lastRetry = outcome;
      if (attempt === this.maxAttempts) break;
      const waitMs = outcome.waitMs ?? this.backoff(attempt);
      this.logger.warn(
        `PartnerStack '${stream}' attempt ${attempt}/${this.maxAttempts} for token '${fingerprint}' failed (${outcome.reason}); retrying in ${waitMs} ms`,
      );
      await sleep(waitMs);
    }
    const last = lastRetry as Extract<Outcome, { kind: 'retry' }>;
    if (last.status === 429)
      throw new PartnerStackRateLimitedError(stream, last.waitMs ?? this.backoff(this.maxAttempts), this.maxAttempts);
    throw new PartnerStackUpstreamError(stream, last.status, last.reason, this.maxAttempts);
  }

  /** Every page of a stream, newest first unless `order_by` says otherwise, 250 records at a time. */
  public walk<S extends PartnerStackStream>(
    token: string,
    stream: S,
    params?: StreamParams[S] | ListParams,
  ): AsyncIterable<Page<RecordOf<S>>>;
  public async *walk(token: string, stream: PartnerStackStream, params: ListParams = {}): AsyncIterable<Page> {
    let cursor = params.starting_after;
    for (;;) {
      const page: Page = await this.listPage(token, stream, {
        ...params,
        limit: MAX_PAGE_SIZE,
        ending_before: undefined,
        starting_after: cursor,
      });
      yield page;
      if (!page.hasMore || page.items.length === 0) return;
      const next = page.items[page.items.length - 1].key;
      if (next === cursor) {
        throw new PartnerStackUpstreamError(stream, 200, 'pagination did not advance past the last key', 1);
      }
      cursor = next;
    }
  }

  public listPartnerships(token: string, params?: StreamParams['partnerships']): Promise<Page<PartnershipRecord>> {
    return this.listPage(token, 'partnerships', params);
  }

  public listCustomers(token: string, params?: StreamParams['customers']): Promise<Page<CustomerRecord>> {
    return this.listPage(token, 'customers', params);
  }

  public listTransactions(token: string, params?: StreamParams['transactions']): Promise<Page<TransactionRecord>> {
    return this.listPage(token, 'transactions', params);
  }

  public listRewards(token: string, params?: StreamParams['rewards']): Promise<Page<RewardRecord>> {
    return this.listPage(token, 'rewards', params);
  }

  public listPayouts(token: string, params?: StreamParams['payouts']): Promise<Page<PayoutRecord>> {
    return this.listPage(token, 'payouts', params);
  }

  public listActions(token: string, params?: StreamParams['actions']): Promise<Page<ActionRecord>> {
    return this.listPage(token, 'actions', params);
  }

  public listMarketplacePrograms(
    token: string,
    params?: StreamParams['marketplace_programs'],
  ): Promise<Page<MarketplaceProgramRecord>> {
    return this.listPage(token, 'marketplace_programs', params);
  }

  public listDeals(token: string, params?: StreamParams['deals']): Promise<Page<DealRecord>> {
    return this.listPage(token, 'deals', params);
  }

  public listLeads(token: string, params?: StreamParams['leads']): Promise<Page<LeadRecord>> {
    return this.listPage(token, 'leads', params);
  }

  private async attempt({
    token,
    stream,
    query,
    attempt,
  }: {
    token: string;
    stream: PartnerStackStream;
    query: Record<string, string>;
    attempt: number;
  }): Promise<Outcome> {
    const started = Date.now();
    let response: AxiosResponse<string>;
    try {
      response = await firstValueFrom(
        this.http.get<string>(`${this.baseUrl}${STREAM_PATHS[stream]}`, {
          params: query,
          headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
          timeout: this.timeoutMs,
          responseType: 'text',
          transformResponse: [(body: unknown) => body],
          validateStatus: () => true,
          maxRedirects: 0,
        }),
      );
    } catch (error) {
      // Axios errors hold the request config and its Authorization header: keep only the error code.
      const reason = networkReason(error);
      this.emit({ stream, status: null, attempt, durationMs: Date.now() - started, rateLimited: false, error: reason });
      return { kind: 'retry', status: null, reason };
    }
    const status = response.status;
    const durationMs = Date.now() - started;
    const outcome = this.classify(stream, response, token);
    this.emit({
      stream,
      status,
      attempt,
      durationMs,
      rateLimited: status === 429,
      ...(outcome.kind === 'page' ? {} : { error: outcome.kind === 'retry' ? outcome.reason : outcome.error.message }),
    });
    return outcome;
  }

  private classify(stream: PartnerStackStream, response: AxiosResponse<string>, token: string): Outcome {
    const { status } = response;
    if (status >= 200 && status < 300) {
      try {
        return { kind: 'page', page: parsePage(stream, response.data) };
      } catch (error) {
        if (error instanceof MalformedPageError) return { kind: 'retry', status, reason: error.message };
        if (error instanceof PartnerStackError) return { kind: 'fail', error };
        throw error;
      }
    }
    if (status === 401) return { kind: 'fail', error: new PartnerStackInvalidTokenError(stream) };
    if (status === 403) return { kind: 'fail', error: new PartnerStackForbiddenError(stream) };
    if (status === 404) return { kind: 'fail', error: new PartnerStackNotFoundError(stream) };
    if (status === 400) {
      return { kind: 'fail', error: new PartnerStackBadRequestError(stream, upstreamMessage(response.data, token)) };
    }
    if (status === 429) {
      const header = response.headers['retry-after'] as string | undefined;
      const requested = retryAfterMs(header);
      return {
        kind: 'retry',
        status,
        reason: 'rate limited (429)',
        waitMs: requested === undefined ? undefined : Math.min(requested, this.backoffCapMs),
      };
    }
    if (RETRYABLE_STATUSES.has(status) || status >= 500) {
      return { kind: 'retry', status, reason: `HTTP ${status}` };
    }
    return { kind: 'fail', error: new PartnerStackUpstreamError(stream, status, `unexpected HTTP ${status}`, 1) };
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  private emit(event: Parameters<NonNullable<PartnerStackClientOptions['onRequest']>>[0]): void {
    try {
      this.options.onRequest?.(event);
    } catch (error) {
      this.logger.warn(`onRequest listener failed: ${describeError(error)}`);
    }
  }
}

function toQuery(params: ListParams): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    query[name] = value === null ? 'null' : String(value);
  }
  return query;
}

function networkReason(error: unknown): string {
  if (axios.isAxiosError(error)) {
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') return 'timeout';
    return `network error ${error.code ?? 'unknown'}`;
  }
  return `network error ${(error as { code?: string })?.code ?? 'unknown'}`;
}
