import { ChildProcess } from 'node:child_process';

import { INestApplication } from '@nestjs/common';

import { waitFor } from '@pp/testing';

import { startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';
import { SandboxAdmin } from './sandbox-admin';
import { idsOf, minimumCalls, snapshot } from './sandbox-walk';
import {
  bootSync,
  CapturedMessage,
  closeApp,
  connectOrg,
  createSyncInfra,
  EventRecorder,
  publish,
  spawnWorker,
  startHandoffServer,
  SyncInfra,
  waitForRuns,
} from './sync-harness';

const idOf = (message: CapturedMessage) => `${String(message.payload.stream)}:${message.payload.externalKey}`;

describe('sync workers', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let admin: SandboxAdmin;
  let infra: SyncInfra;
  let handoff: INestApplication;
  let scheduler: INestApplication;
  const workers: INestApplication[] = [];
  const children: ChildProcess[] = [];
  const recorder = new EventRecorder();
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    sandbox = await startSandbox({ dealsAndLeads: 'always' });
    admin = new SandboxAdmin(sandbox.adminUrl);
    infra = await createSyncInfra(sandbox.baseUrl);
    await recorder.start(infra.amqpUrl);
    handoff = await startHandoffServer(infra.amqpUrl, tokens);
    scheduler = await bootSync(infra, 'scheduler');
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const worker of workers) await closeApp(worker);
    await closeApp(scheduler);
    await closeApp(handoff);
    await recorder.stop();
    await infra?.drop();
    await sandbox?.close();
  });

  it('resumes a killed worker process from its checkpoint: completed run, no gap, no re-import', async () => {
    const token = 'sandbox_sync_kill';
    await admin.configure(token, { records: 12_000, faults: { latencyMs: 60 } });
    const expected = await snapshot(sandbox.baseUrl, token);
    await admin.resetStats(token);

    const child = spawnWorker(infra);
    children.push(child);
    const connectionId = await connectOrg(scheduler, 'org-kill');
    tokens.set(connectionId, token);

    await waitFor(
      async () => {
        const { rows } = await infra.db.query(
          `select count(*)::int as n from sync.record_state s join sync.connection c on c.ref = s.connection_ref where c.id = $1`,
          [connectionId],
        );
        return rows[0].n >= 3_000;
      },
      { timeoutMs: 60_000, intervalMs: 20, description: 'the first worker to be well into the sync' },
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const { rows: mid } = await infra.db.query(`select status, attempts from sync.run where connection_id = $1`, [
      connectionId,
    ]);
    expect(mid[0]).toMatchObject({ status: 'running', attempts: 1 });

    workers.push(await bootSync(infra, 'worker'));
    const [finished] = await waitForRuns(recorder, connectionId, 1, 90_000);
    expect(finished.payload).toMatchObject({ status: 'succeeded' });
    const { rows } = await infra.db.query(`select attempts from sync.run where connection_id = $1`, [connectionId]);
    expect(rows[0].attempts).toBe(2);

    const raw = recorder.raw(String(finished.payload.syncRunId));
    const expectedIds = idsOf(expected);
    expect(new Set(raw.map(idOf))).toEqual(expectedIds);
    // Only the pages in flight at the kill may be published twice (consumers dedupe them by idempotency key).
    expect(raw.length - expectedIds.size).toBeLessThanOrEqual(2 * 250);
    const stats = await admin.stats(token);
    expect(stats.requests).toBeLessThanOrEqual(minimumCalls(expected) + 3);
    expect(recorder.of('sync.run.started', (m) => m.payload.connectionId === connectionId)).toHaveLength(1);
  });

  it('never syncs one org on two workers at once, even when its job is delivered twice', async () => {
    workers.push(await bootSync(infra, 'worker'));
    const orgs = await Promise.all(
      [1, 2, 3].map(async (n) => {
        const token = `sandbox_sync_workers_${n}`;
        await admin.configure(token, { records: 2_000, faults: { latencyMs: 15 } });
        const expected = await snapshot(sandbox.baseUrl, token);
        await admin.resetStats(token);
        return { token, tenantId: `org-workers-${n}`, expected };
      }),
    );
    const connections = await Promise.all(
      orgs.map(async (org) => {
        const connectionId = await connectOrg(scheduler, org.tenantId);
        tokens.set(connectionId, org.token);
        return connectionId;
      }),
    );
    // A second delivery of every job, as after a redelivery or a duplicate dispatch.
    for (const [index, connectionId] of connections.entries()) {
      const run = await waitFor(
        async () =>
          (await infra.db.query(`select id, reason, mode from sync.run where connection_id = $1`, [connectionId]))
            .rows[0],
        { description: 'the run to be enqueued' },
      );
      await publish(
        scheduler,
        'sync.job',
        { connectionId, syncRunId: run.id, reason: run.reason, mode: run.mode },
        orgs[index].tenantId,
      );
    }

    for (const [index, connectionId] of connections.entries()) {
      const [finished] = await waitForRuns(recorder, connectionId, 1, 90_000);
      expect(finished.payload).toMatchObject({ status: 'succeeded' });
      const raw = recorder.raw(String(finished.payload.syncRunId));
      const ids = raw.map(idOf);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(ids)).toEqual(idsOf(orgs[index].expected));
      const calls = (finished.payload.streams as { apiCalls: number }[]).reduce((sum, s) => sum + s.apiCalls, 0);
      expect((await admin.stats(orgs[index].token)).requests).toBe(calls);
    }
    const { rows } = await infra.db.query(`select attempts from sync.run where connection_id = any($1)`, [connections]);
    expect(rows.map((row) => row.attempts)).toEqual([1, 1, 1]);
  });
});
