import { INestApplication } from '@nestjs/common';

import { waitFor } from '@pp/testing';

import { startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';
import { SandboxAdmin } from './sandbox-admin';
import { idsOf, Snapshot, snapshot } from './sandbox-walk';
import {
  bootSync,
  CapturedMessage,
  closeApp,
  connectOrg,
  createSyncInfra,
  EventRecorder,
  startHandoffServer,
  SyncInfra,
  waitForRuns,
} from './sync-harness';

/** Tight enough that the suite's syncs need more than a minute of it, so the busiest minute is a real test. */
const GLOBAL_PER_MINUTE = 300;

const idOf = (message: CapturedMessage) => `${String(message.payload.stream)}:${message.payload.externalKey}`;

interface GlobalStats {
  total: { requests: number };
  peakRequestsPerMinute: number;
}

describe('global request budget across workers and orgs', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let admin: SandboxAdmin;
  let infra: SyncInfra;
  let handoff: INestApplication;
  let scheduler: INestApplication;
  const workers: INestApplication[] = [];
  const recorder = new EventRecorder();
  const tokens = new Map<string, string>();

  async function globalStats(): Promise<GlobalStats> {
    const response = await fetch(`${sandbox.adminUrl}/stats`);
    expect(response.status).toBe(200);
    return (await response.json()) as GlobalStats;
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ dealsAndLeads: 'always' });
    admin = new SandboxAdmin(sandbox.adminUrl);
    // Each token alone may go far faster than the global budget: only the budget can hold them back.
    infra = await createSyncInfra(sandbox.baseUrl, {
      PARTNERSTACK_REQUESTS_PER_MINUTE: '60000',
      PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE: String(GLOBAL_PER_MINUTE),
    });
    await recorder.start(infra.amqpUrl);
    handoff = await startHandoffServer(infra.amqpUrl, tokens);
    scheduler = await bootSync(infra, 'scheduler');
    workers.push(await bootSync(infra, 'worker'), await bootSync(infra, 'worker'));
  });

  afterAll(async () => {
    for (const worker of workers) await closeApp(worker);
    await closeApp(scheduler);
    await closeApp(handoff);
    await recorder.stop();
    await infra?.drop();
    await sandbox?.close();
  });

  it("keeps every worker together within the budget, and small orgs' syncs do not wait for a large first sync", async () => {
    const orgs: { token: string; tenantId: string; expected: Snapshot; connectionId?: string }[] = [];
    for (const [name, records] of [
      ['large', 80_000],
      ['small_1', 1_500],
      ['small_2', 1_500],
    ] as const) {
      const token = `sandbox_global_pacing_${name}`;
      await admin.configure(token, { records, faults: { latencyMs: 20 } });
      orgs.push({ token, tenantId: `org-pacing-${name}`, expected: await snapshot(sandbox.baseUrl, token) });
    }
    const response = await fetch(`${sandbox.adminUrl}/stats`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    const [large, ...small] = orgs;

    large.connectionId = await connectOrg(scheduler, large.tenantId);
    tokens.set(large.connectionId, large.token);
    await waitFor(
      async () => {
        const { rows } = await infra.db.query(`select status from sync.run where connection_id = $1`, [
          large.connectionId,
        ]);
        return rows[0]?.status === 'running';
      },
      { description: 'the large first sync to be running' },
    );
    for (const org of small) {
      org.connectionId = await connectOrg(scheduler, org.tenantId);
      tokens.set(org.connectionId, org.token);
    }

    for (const org of small) {
      const [finished] = await waitForRuns(recorder, org.connectionId as string, 1, 90_000);
      expect(finished.payload).toMatchObject({ status: 'succeeded' });
      expect(new Set(recorder.raw(String(finished.payload.syncRunId)).map(idOf))).toEqual(idsOf(org.expected));
    }
    // Both small orgs ran (one after the other on the worker the large sync left free) within its first sync.
    expect(recorder.finished(large.connectionId)).toHaveLength(0);
    const { rows } = await infra.db.query(`select status from sync.run where connection_id = $1`, [large.connectionId]);
    expect(rows[0].status).toBe('running');

    const [finished] = await waitForRuns(recorder, large.connectionId, 1, 110_000);
    expect(finished.payload).toMatchObject({ status: 'succeeded' });
    expect(new Set(recorder.raw(String(finished.payload.syncRunId)).map(idOf))).toEqual(idsOf(large.expected));

    const stats = await globalStats();
    // The syncs needed more than a minute's budget, so a minute's worth was really offered...
    expect(stats.total.requests).toBeGreaterThan(GLOBAL_PER_MINUTE);
    // ...and the sandbox never saw more than the budget in any 60 seconds, though it saw close to it.
    expect(stats.peakRequestsPerMinute).toBeLessThanOrEqual(GLOBAL_PER_MINUTE);
    expect(stats.peakRequestsPerMinute).toBeGreaterThanOrEqual(GLOBAL_PER_MINUTE * 0.8);
  }, 150_000);
});
