import { randomUUID } from 'node:crypto';

import { connect } from 'amqplib';

import { DEVELOPMENT_JWT_SECRET } from '@pp/config';
import { closeVhostConnections, RunningSystem, ServiceProcess, waitFor, withDatabase } from '@pp/testing';

import {
  adminJwt,
  CredentialsApi,
  SandboxAdmin,
  waitForReportsToMatch,
  walkList,
  PipelineUnderTest,
  startPipelineWithFastRecovery,
} from '../e2e/support/pipeline';

/**
 * The whole product, each service its own process, under the failures production will see: a sync worker or the
 * normalizer killed with SIGKILL mid-stream, the broker dropping every connection, PostgreSQL terminating every
 * session, PartnerStack answering 429s and 5xx and cutting connections, and malformed raw events. After each, the
 * org's reports must equal the sandbox's ground truth: nothing lost, nothing counted twice.
 */
jest.setTimeout(240_000);

describe('the pipeline under faults', () => {
  let pipeline: PipelineUnderTest;
  let database: PipelineUnderTest['database'];
  let vhost: PipelineUnderTest['vhost'];
  let sandbox: ServiceProcess;
  let system: RunningSystem;

  beforeAll(async () => {
    pipeline = await startPipelineWithFastRecovery('pp_faults');
    ({ database, vhost, sandbox, system } = pipeline);
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  /** One org per scenario, so each starts from nothing and its reports can be compared on their own. */
  async function connectOrg(name: string, agency: Record<string, unknown>) {
    const orgId = `org-faults-${name}`;
    const token = `sandbox_faults_${name}`;
    const jwt = adminJwt(orgId, DEVELOPMENT_JWT_SECRET);
    const admin = new SandboxAdmin(`${sandbox.url}/admin`, token);
    await admin.configure(agency);
    const credentials = new CredentialsApi(system.credentials.url, jwt);
    // Injected upstream errors can fail the one validation call: the settings page would simply try again.
    await waitFor(async () => (await credentials.connect(token)).status === 200, {
      timeoutMs: 30_000,
      intervalMs: 1_000,
      description: `${name}: token accepted`,
    });
    return { orgId, jwt, admin, credentials };
  }

  async function waitForRequests(admin: SandboxAdmin, count: number) {
    await waitFor(async () => ((await admin.stats()).requests as number) >= count, {
      timeoutMs: 60_000,
      description: `${count} PartnerStack requests`,
    });
  }

  async function expectExactReports(org: Awaited<ReturnType<typeof connectOrg>>, timeoutMs = 120_000) {
    const last = await org.credentials.waitForFinishedSync({ timeoutMs });
    expect(last.status).toBe('succeeded');
    const figures = await waitForReportsToMatch(system.reporting.url, org.jwt, await org.admin.groundTruth(), {
      timeoutMs,
    });
    expect(figures.rewards).toBeGreaterThan(0);
  }

  it('dead-letters malformed raw events with their reasons and goes on', async () => {
    const broker = await connect(vhost.url);
    const channel = await broker.createConfirmChannel();
    const malformedOrg = 'org-faults-malformed';
    const page = (...records: Record<string, unknown>[]) => ({
      messageId: randomUUID(),
      routingKey: 'partnerstack.raw.rewards',
      schemaVersion: 2,
      tenantId: malformedOrg,
      correlationId: randomUUID(),
      occurredAt: new Date().toISOString(),
      idempotencyKey: randomUUID(),
      payload: {
        connectionId: randomUUID(),
        syncRunId: randomUUID(),
        stream: 'rewards',
        fetchedAt: new Date().toISOString(),
        records: records.map((record) => ({ externalKey: String(record.key ?? 'rwrd_missing'), record })),
      },
    });
    const goodReward = { key: 'rwrd_goodneighbour1', amount: 1500, currency: 'USD', status: 'approved' };
    const poison = [
      Buffer.from('{ not json'),
      Buffer.from(JSON.stringify(page({ amount: 100, currency: 'USD' }))),
      // One bad record dead-letters its page, and the page's good record is applied all the same.
      Buffer.from(JSON.stringify(page(goodReward, { key: 'rwrd_wrongtype0001', amount: 'a lot', currency: 'USD' }))),
    ];
    for (const content of poison) {
      channel.publish('pp.events', 'partnerstack.raw.rewards', content, {
        persistent: true,
        contentType: 'application/json',
        messageId: randomUUID(),
      });
    }
    await channel.waitForConfirms();
    const collected: string[] = [];
    const reasons = await waitFor(
      async () => {
        const found: string[] = [];
        for (;;) {
          const message = await channel.get('normalizer.raw.dlq', { noAck: false });
          if (!message) break;
          found.push(String(message.properties.headers?.['x-dead-letter-reason'] ?? ''));
        }
        collected.push(...found);
        return collected.length >= poison.length ? collected : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, description: 'the poison messages in normalizer.raw.dlq' },
    );
    await broker.close();
    expect(reasons).toHaveLength(poison.length);
    for (const reason of reasons) expect(reason.length).toBeGreaterThan(0);
    expect(reasons.some((reason) => /record 1 \('rwrd_wrongtype0001'\).*amount/.test(reason))).toBe(true);
    const malformedJwt = adminJwt(malformedOrg, DEVELOPMENT_JWT_SECRET);
    const rewards = await waitFor(
      async () => {
        const found = await walkList(system.reporting.url, malformedJwt, '/v1/rewards');
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 30_000, description: "the poisoned page's good record reported" },
    );
    expect(rewards.map((reward) => reward.externalKey)).toEqual([goodReward.key]);

    // The pipeline goes on: a real org synced afterwards is reported exactly.
    await expectExactReports(await connectOrg('after-poison', { records: 1500 }));
  });

  it('syncs exactly through 429s, 5xx and cut connections from PartnerStack', async () => {
    const org = await connectOrg('upstream', {
      records: 4000,
      // The faults are drawn per request: at these rates a run of ~25 pages sees every kind with near certainty
      // (no cut at all: 0.75^25, under 0.1 %), so the counts below can only be 0 if a kind stopped working.
      faults: { rateLimitPerMinute: 120, errorRate: 0.15, cutRate: 0.25 },
    });
    await expectExactReports(org);
    const stats = await org.admin.stats();
    expect(stats.rateLimited).toBeGreaterThan(0);
    expect(stats.injectedErrors).toBeGreaterThan(0);
    expect(stats.cutConnections).toBeGreaterThan(0);
  });

  it('finishes a sync on another worker after its worker is killed with SIGKILL mid-sync', async () => {
    const org = await connectOrg('worker-kill', { records: 12_000, faults: { latencyMs: 120 } });
    await waitForRequests(org.admin, 8);
    const [victim] = system.workers;
    await victim.kill('SIGKILL');
    const replacement = await system.addWorker();
    await expectExactReports(org);
    expect(replacement.lines.length).toBeGreaterThan(0);
  });

  it('applies everything exactly once after the normalizer is killed with SIGKILL mid-stream', async () => {
    const org = await connectOrg('normalizer-kill', { records: 12_000, faults: { latencyMs: 40 } });
    await system.normalizer.waitForLine((line) => line.text.includes(org.orgId), {
      timeoutMs: 60_000,
      description: 'a committed batch of the org',
    });
    await system.normalizer.restart('SIGKILL');
    await expectExactReports(org);
  });

  it('recovers from the broker dropping every connection and PostgreSQL terminating every session mid-sync', async () => {
    const org = await connectOrg('infrastructure', { records: 12_000, faults: { latencyMs: 100 } });
    await waitForRequests(org.admin, 6);
    await closeVhostConnections(vhost.vhost);
    await waitForRequests(org.admin, 20);
    const { rowCount } = await withDatabase(database.url, (client) =>
      client.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      ),
    );
    expect(rowCount).toBeGreaterThan(0);
    await expectExactReports(org, 180_000);
  });
});
