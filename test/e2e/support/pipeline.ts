/**
 * What the end-to-end suite, the fault suite, the end-to-end benchmark and the demo share: calls to the services'
 * REST APIs, the sandbox's admin API, and the comparison of what reporting says with the sandbox's ground truth.
 */
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

export interface SyncStatus {
  id: string;
  status: 'running' | 'succeeded' | 'failed' | 'partial';
  startedAt: string;
  finishedAt: string | null;
  recordsFetched: number;
  error: string | null;
}

export interface IntegrationStatus {
  provider: string;
  status: 'connected' | 'invalid' | 'disconnected';
  tokenHint: string;
  lastSync: SyncStatus | null;
  nextSyncAt: string | null;
}

/** The settings page's calls to the credentials service. */
export class CredentialsApi {
  constructor(
    private readonly baseUrl: string,
    private readonly jwt: string,
  ) {}

  public connect(token: string): Promise<HttpAnswer<IntegrationStatus>> {
    return http(`${this.baseUrl}/v1/integrations/partnerstack`, { method: 'PUT', jwt: this.jwt, body: { token } });
  }

  public status(): Promise<HttpAnswer<IntegrationStatus>> {
    return http(`${this.baseUrl}/v1/integrations/partnerstack`, { jwt: this.jwt });
  }

  public requestSync(): Promise<HttpAnswer<{ syncRunId: string }>> {
    return http(`${this.baseUrl}/v1/integrations/partnerstack/sync`, { method: 'POST', jwt: this.jwt });
  }

  public disconnect(): Promise<HttpAnswer> {
    return http(`${this.baseUrl}/v1/integrations/partnerstack`, { method: 'DELETE', jwt: this.jwt });
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
  const answer = await http<Summary>(`${reportingUrl}/v1/summary`, { jwt });
  if (answer.status !== 200) throw new Error(`GET /v1/summary: ${answer.status}`);
  return answer.body;
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

/** Every row of a list, walked with the cursor (limit 500). */
export async function walkList<T = Record<string, unknown>>(
  reportingUrl: string,
  jwt: string,
  path: string,
): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = `${reportingUrl}${path}${separator}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const answer: HttpAnswer<{ data: T[]; nextCursor: string | null }> = await http(url, { jwt });
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status}`);
    rows.push(...answer.body.data);
    cursor = answer.body.nextCursor;
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
