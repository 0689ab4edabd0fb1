import { DEVELOPMENT_JWT_SECRET } from '@pp/config';
import { restartPostgres, restartRabbitMq, RunningSystem, ServiceProcess, waitFor, withDatabase } from '@pp/testing';

import {
  adminJwt,
  CredentialsApi,
  SandboxAdmin,
  waitForReportsToMatch,
  PipelineUnderTest,
  startPipelineWithFastRecovery,
} from '../e2e/support/pipeline';

/**
 * The whole product while the machine's RabbitMQ and PostgreSQL servers are really restarted mid-sync (not just
 * their connections dropped). A restart is seen by every client of the machine, so this suite runs on its own,
 * after the parallel suites (`npm test`). After both restarts the org's reports must equal the sandbox's ground
 * truth: nothing lost, nothing counted twice.
 */
jest.setTimeout(300_000);

async function serverStartTime(url: string): Promise<string> {
  return withDatabase(url, async (client) => {
    const { rows } = await client.query<{ started: Date }>('select pg_postmaster_start_time() as started');
    return rows[0].started.toISOString();
  });
}

describe('the pipeline across restarts of RabbitMQ and PostgreSQL', () => {
  let pipeline: PipelineUnderTest;
  let database: PipelineUnderTest['database'];
  let sandbox: ServiceProcess;
  let system: RunningSystem;

  beforeAll(async () => {
    pipeline = await startPipelineWithFastRecovery('pp_restarts');
    ({ database, sandbox, system } = pipeline);
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('syncs and reports exactly although the broker and then the database restart mid-sync', async () => {
    const orgId = 'org-restarts';
    const token = 'sandbox_restarts';
    const jwt = adminJwt(orgId, DEVELOPMENT_JWT_SECRET);
    const admin = new SandboxAdmin(`${sandbox.url}/admin`, token);
    await admin.configure({ records: 12_000, faults: { latencyMs: 100 } });
    const credentials = new CredentialsApi(system.credentials.url, jwt);
    expect((await credentials.connect(token)).status).toBe(200);
    const requestsReach = (count: number) =>
      waitFor(async () => ((await admin.stats()).requests as number) >= count, {
        timeoutMs: 90_000,
        description: `${count} PartnerStack requests`,
      });

    const postgresStartedAt = () => serverStartTime(database.url);
    const postgresBefore = await postgresStartedAt();
    await requestsReach(6);
    await restartRabbitMq();
    await requestsReach(20);
    await restartPostgres();
    expect(await postgresStartedAt()).not.toEqual(postgresBefore);

    const last = await waitFor(
      async () => {
        const status = await credentials.status().catch(() => undefined);
        const sync = status?.body?.lastSync;
        return sync && sync.status !== 'running' ? sync : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500, description: 'the sync finished after the restarts' },
    );
    expect(last.status).toBe('succeeded');
    const figures = await waitForReportsToMatch(system.reporting.url, jwt, await admin.groundTruth(), {
      timeoutMs: 120_000,
    });
    expect(figures.rewards).toBeGreaterThan(0);
    for (const service of system.all()) expect(service.running).toBe(true);
    // Every service that talks to the broker (all but reporting) connected again by itself after the restart.
    const connections = (service: ServiceProcess) =>
      service.lines.filter((line) => line.text.includes('Connected to RabbitMQ')).length;
    const brokerClients = system.all().filter((service) => connections(service) > 0);
    expect(brokerClients.map((service) => service.name).sort()).toEqual(
      ['credentials', 'normalizer', 'sync-scheduler', 'sync-worker-1'].sort(),
    );
    for (const service of brokerClients) expect(connections(service)).toBeGreaterThan(1);
  });
});
