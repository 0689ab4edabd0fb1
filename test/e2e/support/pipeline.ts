/**
 * What the end-to-end suite, the fault suite, the end-to-end benchmark and the demo share: calls to the services'
 * REST APIs, the sandbox's admin API, and the comparison of what reporting says with the sandbox's ground truth.
 */
import {
  createCredentialsClient,
  createReportingClient,
  CredentialsClient,
  CredentialsSchemas,
  ReportingSchemas,
} from '@pp/api-client';
import { signUserJwt } from '@pp/auth';
import {
  createTestDatabase,
  createTestVhost,
  RunningSystem,
  ServiceProcess,
  startSystem,
  StartSystemOptions,
  waitFor,
} from '@pp/testing';

export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
}

export async function http<T = unknown>(
  url: string,
  { method = 'GET', jwt, token, body }: { method?: string; jwt?: string; token?: string; body?: unknown } = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (jwt) headers.authorization = `Bearer ${jwt}`;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export function adminJwt(orgId: string, secret: string): string {
  return signUserJwt({ sub: `user-${orgId}`, org: orgId, roles: ['admin'] }, secret);
}

export type IntegrationStatus = CredentialsSchemas['IntegrationStatusDto'];
export type SyncStatus = NonNullable<IntegrationStatus['lastSync']>;

/** What an answer of the typed client carries, as the suites assert it: the status, and the body whatever it is. */
async function answerOf<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<HttpAnswer<T>> {
  const { data, error, response } = await call;
  return { status: response.status, body: (data ?? error) as T };
}

/** The settings page's calls to the credentials service, through the typed client generated from its spec. */
export class CredentialsApi {
  private readonly client: CredentialsClient;

  constructor(baseUrl: string, jwt: string) {
    this.client = createCredentialsClient({ baseUrl, token: jwt });
  }

  public connect(token: string): Promise<HttpAnswer<IntegrationStatus>> {
    return answerOf(this.client.PUT('/v1/integrations/partnerstack', { body: { token } }));
  }

  public status(): Promise<HttpAnswer<IntegrationStatus>> {
    return answerOf(this.client.GET('/v1/integrations/partnerstack', { params: { query: {} } }));
  }

  public requestSync(): Promise<HttpAnswer<CredentialsSchemas['SyncRequestedDto']>> {
    return answerOf(this.client.POST('/v1/integrations/partnerstack/sync', { body: { mode: 'incremental' } }));
  }

  public disconnect(): Promise<HttpAnswer> {
    return answerOf(this.client.DELETE('/v1/integrations/partnerstack'));
  }

  /** Resolves with the last sync once it is finished and is not `previousId` (a newer run than the one known). */
  public async waitForFinishedSync({
    after,
    timeoutMs = 60_000,
  }: { after?: string; timeoutMs?: number } = {}): Promise<SyncStatus> {
    return waitFor(
      async () => {
        const { body } = await this.status();
        const last = body?.lastSync;
        return last && last.id !== after && last.status !== 'running' ? last : undefined;
      },
      { timeoutMs, intervalMs: 250, description: 'a finished sync in the credentials status' },
    );
  }
}

export interface Money {
  amount: number;
  currency: string;
}

export interface Summary {
  programs: { total: number };
  referrals: { total: number; paying: number };
  revenue: { totals: Money[]; transactions: number };
  refunds: { totals: Money[]; transactions: number };
  rewards: {
    total: number;
    totals: Money[];
    byStatus: Array<{ status: string | null; count: number; totals: Money[] }>;
    byPaymentStatus: Array<{ status: string | null; count: number }>;
  };
  payouts: { total: number; totals: Money[] };
}

export interface GroundTruth {
  agency: { fingerprint: string; records: number; daysAdvanced: number; now: number };
  streams: Record<
    string,
    { count: number; archived?: number; includingArchived?: number; paying?: number; refunded?: number }
  >;
  perCurrency: Record<
    string,
    {
      transactions: { count: number; amount: number; amountUsd: number };
      refundedTransactions: { count: number; amount: number };
      rewards: { count: number; amount: number };
      payouts: { count: number; amount: number };
    }
  >;
  rewardsByStatus: Record<string, { count: number; amountByCurrency: Record<string, number> }>;
  rewardsByPaymentStatus: Record<string, number>;
}

/** The sandbox's admin API for one agency (named by its token, never in a URL). */
export class SandboxAdmin {
  constructor(
    public readonly adminUrl: string,
    private readonly token: string,
  ) {}

  public async groundTruth(): Promise<GroundTruth> {
    return (await this.call<GroundTruth>('GET', '/agency/ground-truth')).body;
  }

  public async configure(settings: Record<string, unknown>): Promise<void> {
    await this.call('PUT', '/agency', settings);
  }

  public async advance(days: number): Promise<GroundTruth> {
    return (await this.call<GroundTruth>('POST', '/agency/advance', { days })).body;
  }

  public async stats(): Promise<Record<string, unknown>> {
    return (await this.call<Record<string, unknown>>('GET', '/agency/stats')).body;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<HttpAnswer<T>> {
    const answer = await http<T>(`${this.adminUrl}${path}`, { method, token: this.token, body });
    if (answer.status >= 300) throw new Error(`sandbox admin ${method} ${path}: ${answer.status}`);
    return answer;
  }
}

/** What the reports must say, in one comparable shape: counts, and money per currency (zero sums left out). */
export interface ReportFigures {
  programs: number;
  referrals: number;
  payingReferrals: number;
  transactions: number;
  revenue: Record<string, number>;
  refundedTransactions: number;
  refunds: Record<string, number>;
  rewards: number;
  rewardTotals: Record<string, number>;
  rewardsByStatus: Record<string, { count: number; totals: Record<string, number> }>;
  rewardsByPaymentStatus: Record<string, number>;
  payouts: number;
  payoutTotals: Record<string, number>;
}

const nonZero = (entries: Array<[string, number]>): Record<string, number> =>
  Object.fromEntries(entries.filter(([, amount]) => amount !== 0).sort(([left], [right]) => left.localeCompare(right)));

const moneyMap = (totals: Money[]): Record<string, number> =>
  nonZero(totals.map((money) => [money.currency, Number(money.amount)]));

export function expectedFigures(truth: GroundTruth): ReportFigures {
  const currencies = Object.entries(truth.perCurrency);
  const sum = (pick: (entry: GroundTruth['perCurrency'][string]) => number) =>
    currencies.reduce((total, [, entry]) => total + pick(entry), 0);
  return {
    programs: truth.streams.partnerships.includingArchived ?? truth.streams.partnerships.count,
    referrals: truth.streams.customers.count,
    payingReferrals: truth.streams.customers.paying ?? 0,
    transactions: sum((entry) => entry.transactions.count - entry.refundedTransactions.count),
    revenue: nonZero(
      currencies.map(([currency, entry]) => [currency, entry.transactions.amount - entry.refundedTransactions.amount]),
    ),
    refundedTransactions: sum((entry) => entry.refundedTransactions.count),
    refunds: nonZero(currencies.map(([currency, entry]) => [currency, entry.refundedTransactions.amount])),
    rewards: sum((entry) => entry.rewards.count),
    rewardTotals: nonZero(currencies.map(([currency, entry]) => [currency, entry.rewards.amount])),
    rewardsByStatus: Object.fromEntries(
      Object.entries(truth.rewardsByStatus)
        .filter(([, entry]) => entry.count > 0)
        .sort(([left], [right]) => left.localeCompare(right))
        .map(([status, entry]) => [
          status,
          { count: entry.count, totals: nonZero(Object.entries(entry.amountByCurrency)) },
        ]),
    ),
    rewardsByPaymentStatus: Object.fromEntries(
      Object.entries(truth.rewardsByPaymentStatus)
        .filter(([, count]) => count > 0)
        .sort(([left], [right]) => left.localeCompare(right)),
    ),
    payouts: sum((entry) => entry.payouts.count),
    payoutTotals: nonZero(currencies.map(([currency, entry]) => [currency, entry.payouts.amount])),
  };
}

export function reportedFigures(summary: Summary): ReportFigures {
  return {
    programs: summary.programs.total,
    referrals: summary.referrals.total,
    payingReferrals: summary.referrals.paying,
    transactions: summary.revenue.transactions,
    revenue: moneyMap(summary.revenue.totals),
    refundedTransactions: summary.refunds.transactions,
    refunds: moneyMap(summary.refunds.totals),
    rewards: summary.rewards.total,
    rewardTotals: moneyMap(summary.rewards.totals),
    rewardsByStatus: Object.fromEntries(
      summary.rewards.byStatus
        .filter((entry) => entry.count > 0)
        .sort((left, right) => String(left.status).localeCompare(String(right.status)))
        .map((entry) => [String(entry.status), { count: entry.count, totals: moneyMap(entry.totals) }]),
    ),
    rewardsByPaymentStatus: Object.fromEntries(
      summary.rewards.byPaymentStatus
        .filter((entry) => entry.count > 0)
        .sort((left, right) => String(left.status).localeCompare(String(right.status)))
        .map((entry) => [String(entry.status), entry.count]),
    ),
    payouts: summary.payouts.total,
    payoutTotals: moneyMap(summary.payouts.totals),
  };
}

export async function fetchSummary(reportingUrl: string, jwt: string): Promise<Summary> {
  const { data, response } = await createReportingClient({ baseUrl: reportingUrl, token: jwt }).GET('/v1/summary');
  if (response.status !== 200) throw new Error(`GET /v1/summary: ${response.status}`);
  return data as unknown as Summary;
}

/**
 * Polls reporting until its summary equals the ground truth (the normalizer and the aggregates refresh trail the
 * sync), and returns the figures. On timeout the error shows both sides, so a lost or doubled record is visible.
 */
export async function waitForReportsToMatch(
  reportingUrl: string,
  jwt: string,
  truth: GroundTruth,
  { timeoutMs = 90_000, intervalMs = 500 } = {},
): Promise<ReportFigures> {
  const expected = expectedFigures(truth);
  let last: ReportFigures | undefined;
  try {
    await waitFor(
      async () => {
        last = reportedFigures(await fetchSummary(reportingUrl, jwt));
        return JSON.stringify(last) === JSON.stringify(expected);
      },
      { timeoutMs, intervalMs, description: 'the reports to equal the sandbox ground truth' },
    );
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nexpected: ${JSON.stringify(expected)}\nreported: ${JSON.stringify(last)}`,
      { cause: error },
    );
  }
  return expected;
}

/** The lists every suite walks, with the row type the spec gives each. */
interface ListRows {
  '/v1/transactions': ReportingSchemas['TransactionDto'];
  '/v1/rewards': ReportingSchemas['RewardDto'];
  '/v1/referrals': ReportingSchemas['ReferralDto'];
  '/v1/payouts': ReportingSchemas['PayoutDto'];
}

/** Every row of a list, walked with the cursor (limit 500), through the typed reporting client. */
export async function walkList<P extends keyof ListRows>(
  reportingUrl: string,
  jwt: string,
  path: P,
): Promise<ListRows[P][]> {
  const client = createReportingClient({ baseUrl: reportingUrl, token: jwt });
  const rows: ListRows[P][] = [];
  let cursor: string | undefined;
  do {
    const { data, response } = await client.GET(path as '/v1/rewards', {
      params: { query: { limit: 500, cursor }, header: { accept: 'application/json' } },
    });
    if (!data) throw new Error(`GET ${path}: ${response.status}`);
    rows.push(...(data.data as ListRows[P][]));
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

/** Sync and normalizer settings that make recovery quick enough for a test: leases, retries and refreshes in seconds. */
const FAST_RECOVERY_ENV_BY_APP: StartSystemOptions['envByApp'] = {
  normalizer: { AGGREGATES_REFRESH_INTERVAL_MS: '200' },
  sync: {
    SYNC_SCHEDULER_TICK_SECONDS: '1',
    SYNC_LEASE_TTL_SECONDS: '4',
    SYNC_JOB_RETRY_BASE_SECONDS: '1',
    PARTNERSTACK_REQUESTS_PER_MINUTE: '6000',
    PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE: '6000',
  },
};

export interface PipelineUnderTest {
  database: Awaited<ReturnType<typeof createTestDatabase>>;
  vhost: Awaited<ReturnType<typeof createTestVhost>>;
  sandbox: ServiceProcess;
  system: RunningSystem;
  stop(): Promise<void>;
}

/** A database and vhost of the suite's own, a sandbox serving deals and leads, and every service on fast recovery. */
export async function startPipelineWithFastRecovery(prefix: string): Promise<PipelineUnderTest> {
  const [database, vhost] = await Promise.all([createTestDatabase(prefix), createTestVhost(prefix)]);
  const sandbox = await ServiceProcess.start({
    app: 'partnerstack-sandbox',
    env: { SANDBOX_DEALS_AND_LEADS: 'always' },
  });
  const system = await startSystem({
    databaseUrl: database.url,
    amqpUrl: vhost.url,
    partnerstackApiUrl: `${sandbox.url}/api/v2`,
    env: { LOG_LEVEL: 'info' },
    envByApp: FAST_RECOVERY_ENV_BY_APP,
  });
  return {
    database,
    vhost,
    sandbox,
    system,
    stop: async () => {
      await system.stop();
      await sandbox.stop();
      await Promise.all([database.drop(), vhost.drop()]);
    },
  };
}
