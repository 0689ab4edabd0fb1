/**
 * The demo's part after every service is up (`npm run demo`, scripts/demo.sh): connects a sandbox token for a demo
 * org through the credentials service, shows the first sync's progress, and prints what the reporting service
 * says once everything PartnerStack served is reported, with the URLs and a ready-made JWT to explore further.
 */
import { signUserJwt } from '@pp/auth';
import { DEVELOPMENT_JWT_SECRET } from '@pp/config';

interface Money {
  amount: number;
  currency: string;
}

interface Summary {
  programs: { total: number };
  referrals: { total: number; paying: number };
  revenue: { totals: Money[]; totalUsd: Money; transactions: number };
  refunds: { totals: Money[]; transactions: number };
  rewards: {
    total: number;
    totals: Money[];
    byStatus: Array<{ status: string | null; count: number; totals: Money[] }>;
  };
  payouts: { total: number; totals: Money[] };
}

interface StreamProgress {
  stream: string;
  status: string;
  pages: number;
  fetched: number;
  estimatedPagesLeft: number | null;
}

interface SyncStatus {
  id: string;
  status: string;
  recordsFetched: number;
  error: string | null;
  progress?: { streams: StreamProgress[]; reportedAt: string } | null;
}

/** "rewards page 12 (~30 left), 14,500 records fetched": what the sync reported last while it runs. */
function describeProgress(progress: SyncStatus['progress']): string {
  if (!progress) return '';
  const fetched = progress.streams.reduce((sum, stream) => sum + stream.fetched, 0);
  const done = progress.streams.filter((stream) => !['pending', 'running'].includes(stream.status)).length;
  const running = progress.streams.find((stream) => stream.status === 'running');
  const current = running
    ? `, ${running.stream} page ${running.pages}` +
      (running.estimatedPagesLeft === null ? '' : ` (~${running.estimatedPagesLeft} left)`)
    : '';
  return ` (${done}/${progress.streams.length} streams${current}, ${fetched.toLocaleString('en-US')} records fetched)`;
}

const env = (name: string, fallback: string) => process.env[name] || fallback;
const credentialsUrl = env('DEMO_CREDENTIALS_URL', 'http://localhost:3001');
const reportingUrl = env('DEMO_REPORTING_URL', 'http://localhost:3002');
const sandboxUrl = env('DEMO_SANDBOX_URL', 'http://localhost:4010');
const orgId = env('DEMO_ORG', 'demo-agency');
const token = env('DEMO_TOKEN', 'sandbox_demo_agency');
const timeoutMs = Number(env('DEMO_TIMEOUT_SECONDS', '600')) * 1000;
const jwtSecret = env('JWT_SECRET', DEVELOPMENT_JWT_SECRET);

const jwt = signUserJwt({ sub: 'demo-user', org: orgId, roles: ['admin'] }, jwtSecret, { expiresInSeconds: 86_400 });

async function call<T>(url: string, { method = 'GET', body }: { method?: string; body?: unknown } = {}) {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${jwt}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Minor units to a readable amount; JPY has no minor unit. */
function formatMoney({ amount, currency }: Money): string {
  const digits = currency === 'JPY' ? 0 : 2;
  return `${(amount / 10 ** digits).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${currency}`;
}

const formatTotals = (totals: Money[]) => (totals.length > 0 ? totals.map(formatMoney).join(', ') : '-');

interface ExpectedCounts {
  referrals: number;
  transactions: number;
  rewards: number;
  payouts: number;
}

/** What the sandbox serves for the demo token right now (its admin API), to tell when everything is reported. */
async function groundTruthCounts(): Promise<ExpectedCounts | undefined> {
  const response = await fetch(`${sandboxUrl}/admin/agency/ground-truth`, {
    headers: { authorization: `Bearer ${token}` },
  }).catch(() => undefined);
  if (!response?.ok) return undefined;
  const { streams } = (await response.json()) as { streams: Record<string, { count: number }> };
  return {
    referrals: streams.customers.count,
    transactions: streams.transactions.count,
    rewards: streams.rewards.count,
    payouts: streams.payouts.count,
  };
}

function reportedCounts(summary: Summary | undefined): ExpectedCounts {
  return {
    referrals: summary?.referrals.total ?? 0,
    transactions: (summary?.revenue.transactions ?? 0) + (summary?.refunds.transactions ?? 0),
    rewards: summary?.rewards.total ?? 0,
    payouts: summary?.payouts.total ?? 0,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const connected = await call<{ status: string; message?: string }>(`${credentialsUrl}/v1/integrations/partnerstack`, {
    method: 'PUT',
    body: { token },
  });
  if (connected.status !== 200) {
    throw new Error(`connecting the sandbox token failed: ${connected.status} ${connected.body?.message ?? ''}`);
  }
  console.log(`Connected PartnerStack (sandbox) for org ${orgId}: ${connected.body.status}`);

  const expected = await groundTruthCounts();
  let last: SyncStatus | null;
  let summary: Summary | undefined;
  let unchangedPolls = 0;
  for (;;) {
    const status = await call<{ lastSync: SyncStatus | null }>(`${credentialsUrl}/v1/integrations/partnerstack`);
    last = status.body?.lastSync ?? null;
    const reported = await call<Summary>(`${reportingUrl}/v1/summary`);
    const fresh = reported.status === 200 ? reported.body : summary;
    const finished = last !== null && last.status !== 'running';
    // Totals are only "settled" once the sync is over and the normalizer has had time to catch up with it.
    unchangedPolls = finished && JSON.stringify(fresh) === JSON.stringify(summary) ? unchangedPolls + 1 : 0;
    summary = fresh;
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    const counts = reportedCounts(summary);
    const of = (name: keyof ExpectedCounts) => `${counts[name]}${expected ? `/${expected[name]}` : ''} ${name}`;
    const line =
      `first sync: ${last?.status ?? 'queued'}` +
      (last?.status === 'running' ? describeProgress(last.progress) : '') +
      (last?.status && last.status !== 'running'
        ? `, ${last.recordsFetched.toLocaleString('en-US')} records fetched`
        : '') +
      ` | reported: ${of('referrals')}, ${of('transactions')}, ${of('rewards')}, ${of('payouts')} | ${seconds} s`;
    process.stdout.write(process.stdout.isTTY ? `\r${line.padEnd(140)}` : `${line}\n`);
    // Data left from an earlier demo run can make the totals differ from the sandbox's: then settle on stable totals.
    const fullyReported =
      (expected !== undefined && JSON.stringify(counts) === JSON.stringify(expected)) || unchangedPolls >= 20;
    if (finished && fullyReported) break;
    if (last?.status === 'failed') break;
    if (Date.now() - started > timeoutMs) {
      console.log('\nThe first sync is taking longer than expected; showing what is reported so far.');
      break;
    }
    await sleep(1_000);
  }
  if (process.stdout.isTTY) process.stdout.write('\n');
  if (last?.error) console.log(`Sync error: ${last.error}`);

  const missed = await call<{ summary: Array<{ reason: string; count: number; amountAtStake: Money[] }> }>(
    `${reportingUrl}/v1/reports/missed-rewards?limit=1`,
  );
  const s = summary!;
  const missedCount = (missed.body?.summary ?? []).reduce((total, entry) => total + entry.count, 0);
  const lines = [
    '',
    `Summary for ${orgId} (${((Date.now() - started) / 1000).toFixed(1)} s from connect to fully reported)`,
    `  programs:        ${s.programs.total}`,
    `  referrals:       ${s.referrals.total} (${s.referrals.paying} paying)`,
    `  revenue:         ${formatTotals(s.revenue.totals)} (USD total ${formatMoney(s.revenue.totalUsd)}, ${s.revenue.transactions} transactions)`,
    `  rewards:         ${s.rewards.total}: ${formatTotals(s.rewards.totals)}`,
    ...s.rewards.byStatus.map(
      (entry) =>
        `    ${String(entry.status ?? 'none').padEnd(18)} ${String(entry.count).padStart(6)}  ${formatTotals(entry.totals)}`,
    ),
    `  payouts:         ${s.payouts.total}: ${formatTotals(s.payouts.totals)}`,
    `  missed rewards:  ${missedCount}`,
    ...(missed.body?.summary ?? []).map(
      (entry) =>
        `    ${entry.reason.padEnd(32)} ${String(entry.count).padStart(6)}  ${formatTotals(entry.amountAtStake)}`,
    ),
    '',
    'Explore:',
    `  reporting API docs     ${reportingUrl}/docs`,
    `  credentials API docs   ${credentialsUrl}/docs`,
    `  sandbox (admin) docs   ${sandboxUrl}/docs`,
    `  RabbitMQ               http://localhost:15672 (guest/guest, if the management plugin is enabled) or: rabbitmqctl list_queues`,
    '',
    `JWT for org ${orgId} (admin, valid 24 h):`,
    `  export PP_JWT='${jwt}'`,
    `  curl -s -H "Authorization: Bearer $PP_JWT" ${reportingUrl}/v1/summary`,
    `  curl -s -H "Authorization: Bearer $PP_JWT" '${reportingUrl}/v1/reports/missed-rewards?limit=5'`,
    `  curl -s -X POST -H "Authorization: Bearer $PP_JWT" ${credentialsUrl}/v1/integrations/partnerstack/sync`,
  ];
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
