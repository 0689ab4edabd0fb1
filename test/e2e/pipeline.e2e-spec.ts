import { createReportingClient } from '@pp/api-client';
import { DEVELOPMENT_JWT_SECRET } from '@pp/config';
import {
  createTestDatabase,
  createTestVhost,
  ServiceProcess,
  startSystem,
  RunningSystem,
  waitFor,
  withDatabase,
} from '@pp/testing';

import { findConnectedConnection, requestSync } from '../../scripts/request-sync';
import {
  adminJwt,
  CredentialsApi,
  expectedFigures,
  fetchSummary,
  SandboxAdmin,
  waitForReportsToMatch,
  walkList,
} from './support/pipeline';

/**
 * The whole product, each service its own OS process: a sandbox token is connected through the credentials
 * service, synced by a scheduler and a worker, normalized, and reported; what reporting says must equal what the
 * sandbox says it served, after the first sync, after time moves on, and after the org disconnects.
 */
const SYNC_INTERVAL_MS = 3_000;

async function succeededFullRuns(databaseUrl: string, connectionId: string): Promise<number> {
  return withDatabase(databaseUrl, async (client) => {
    const { rows } = await client.query<{ runs: number }>(
      `select count(*)::int as runs from sync.run where connection_id = $1 and mode = 'full' and status = 'succeeded'
         and reason <> 'connected'`,
      [connectionId],
    );
    return rows[0].runs;
  });
}

describe('the pipeline end to end (every service its own process)', () => {
  const orgId = 'org-e2e-pipeline';
  const token = 'sandbox_e2e_pipeline';
  const jwt = adminJwt(orgId, DEVELOPMENT_JWT_SECRET);
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let sandbox: ServiceProcess;
  let system: RunningSystem;
  let credentials: CredentialsApi;
  let admin: SandboxAdmin;

  beforeAll(async () => {
    [database, vhost] = await Promise.all([createTestDatabase('pp_e2e'), createTestVhost('pp_e2e')]);
    sandbox = await ServiceProcess.start({
      app: 'partnerstack-sandbox',
      env: { SANDBOX_DEFAULT_RECORDS: '3000', SANDBOX_DEALS_AND_LEADS: 'always' },
    });
    system = await startSystem({
      databaseUrl: database.url,
      amqpUrl: vhost.url,
      partnerstackApiUrl: `${sandbox.url}/api/v2`,
      env: { LOG_LEVEL: 'info' },
      envByApp: {
        normalizer: { AGGREGATES_REFRESH_INTERVAL_MS: '200' },
        sync: {
          SYNC_SCHEDULER_TICK_SECONDS: '1',
          SYNC_INTERVAL_MINUTES: String(SYNC_INTERVAL_MS / 60_000),
          SYNC_LEASE_TTL_SECONDS: '10',
        },
      },
    });
    credentials = new CredentialsApi(system.credentials.url, jwt);
    admin = new SandboxAdmin(`${sandbox.url}/admin`, token);
  });

  afterAll(async () => {
    await system?.stop();
    await sandbox?.stop();
    await Promise.all([database?.drop(), vhost?.drop()]);
  });

  it('connects, syncs and reports exactly what PartnerStack served', async () => {
    const connected = await credentials.connect(token);
    expect(connected.status).toBe(200);
    expect(connected.body.status).toBe('connected');
    expect(JSON.stringify(connected.body)).not.toContain(token);

    const firstSync = await credentials.waitForFinishedSync({ timeoutMs: 90_000 });
    expect(firstSync.status).toBe('succeeded');
    const truth = await admin.groundTruth();
    expect(firstSync.recordsFetched).toBeGreaterThanOrEqual(truth.agency.records * 0.9);
    const figures = await waitForReportsToMatch(system.reporting.url, jwt, truth);
    expect(figures.rewards).toBeGreaterThan(100);

    // Lists agree with the totals: every non-refunded transaction and every reward, each once.
    const transactions = await walkList(system.reporting.url, jwt, '/v1/transactions');
    expect(new Set(transactions.map((row) => row.id)).size).toBe(transactions.length);
    expect(transactions.filter((row) => !row.refunded)).toHaveLength(figures.transactions);
    expect(transactions.filter((row) => row.refunded)).toHaveLength(figures.refundedTransactions);
    const rewards = await walkList(system.reporting.url, jwt, '/v1/rewards');
    expect(rewards).toHaveLength(figures.rewards);
    const referrals = await walkList(system.reporting.url, jwt, '/v1/referrals');
    expect(referrals).toHaveLength(figures.referrals);

    const reporting = createReportingClient({ baseUrl: system.reporting.url, token: jwt });
    const byStatus = await reporting.GET('/v1/reports/rewards', {
      params: { query: { groupBy: 'status' } },
    });
    expect(byStatus.response.status).toBe(200);
    expect(byStatus.data!.data.reduce((total, point) => total + point.rewards, 0)).toBe(figures.rewards);

    const runs = await reporting.GET('/v1/sync-runs', { params: { header: { accept: 'application/json' } } });
    expect(runs.response.status).toBe(200);
    expect(runs.data!.data.map((run) => run.status)).toContain('succeeded');
  });

  it('follows the agency when time moves on: the next syncs bring the reports to the new ground truth', async () => {
    const before = (await credentials.status()).body.lastSync!;
    const previous = await admin.groundTruth();
    const advanced = await admin.advance(20);
    expect(expectedFigures(advanced)).not.toEqual(expectedFigures(previous));

    const requested = await credentials.requestSync();
    expect(requested.status).toBe(202);
    const incremental = await credentials.waitForFinishedSync({ after: before.id, timeoutMs: 60_000 });
    expect(incremental.status).toBe('succeeded');
    // The records created since are in at once; changes to older records are the daily reconcile's (docs/sync.md).
    await waitFor(
      async () =>
        (await fetchSummary(system.reporting.url, jwt)).rewards.total >= expectedFigures(advanced).rewards - 50,
      { timeoutMs: 60_000, description: 'the new rewards reported after the incremental sync' },
    );

    const connectionId = await findConnectedConnection(database.url, orgId);
    expect(connectionId).toBeDefined();
    // Runs are due every 3 s here, so the request nearly always meets a scheduled run queued or running: that run is
    // made full, or a full one follows it. One request is enough either way.
    await requestSync({ url: vhost.url, tenantId: orgId, connectionId: connectionId!, mode: 'full' });
    await waitFor(async () => (await succeededFullRuns(database.url, connectionId!)) > 0 || undefined, {
      timeoutMs: 90_000,
      intervalMs: 1_000,
      description: 'a full reconcile run succeeded',
    });
    await waitForReportsToMatch(system.reporting.url, jwt, advanced);
  });

  it('stops syncing after a disconnect and keeps reporting the synced data', async () => {
    const truth = await admin.groundTruth();
    // Syncs are due every few seconds while connected: the sandbox sees calls without anyone asking.
    const callsConnected = (await admin.stats()).requests as number;
    await waitFor(async () => ((await admin.stats()).requests as number) > callsConnected, {
      timeoutMs: SYNC_INTERVAL_MS * 5,
      description: 'a scheduled sync while connected',
    });
    const deleted = await credentials.disconnect();
    expect(deleted.status).toBe(204);
    const status = await credentials.status();
    expect(status.body.status).toBe('disconnected');
    expect((await credentials.requestSync()).status).toBe(409);

    // A sync already running when the token was destroyed may finish; wait until PartnerStack hears nothing for 2 s.
    let previous = -1;
    const callsBefore = await waitFor(
      async () => {
        const requests = (await admin.stats()).requests as number;
        const settled = requests === previous;
        previous = requests;
        return settled ? JSON.stringify(await admin.stats()) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 2_000, description: 'no more calls to PartnerStack' },
    );
    // Proving an absence takes time: syncs were due every 3 s, so 3 intervals without a call to PartnerStack.
    await new Promise((resolve) => setTimeout(resolve, SYNC_INTERVAL_MS * 3));
    expect(JSON.stringify(await admin.stats())).toBe(callsBefore);
    await waitForReportsToMatch(system.reporting.url, jwt, truth, { timeoutMs: 5_000 });
  });
});
