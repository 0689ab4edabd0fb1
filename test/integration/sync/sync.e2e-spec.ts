import { INestApplication } from '@nestjs/common';

import { waitFor } from '@pp/testing';

import { startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';
import { SandboxAdmin } from './sandbox-admin';
import { diff, idsOf, minimumCalls, snapshot, Snapshot } from './sandbox-walk';
import {
  bootSync,
  closeApp,
  CapturedMessage,
  connectOrg,
  createSyncInfra,
  EventRecorder,
  publish,
  startHandoffServer,
  SyncInfra,
  waitForRuns,
} from './sync-harness';

const idOf = (message: CapturedMessage) => `${String(message.payload.stream)}:${message.payload.externalKey}`;

function expectEachOnce(messages: CapturedMessage[], expected: Set<string>): void {
  const ids = messages.map(idOf);
  expect(new Set(ids).size).toBe(ids.length);
  expect(new Set(ids)).toEqual(expected);
}

describe('sync service against the sandbox', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let admin: SandboxAdmin;
  let infra: SyncInfra;
  let handoff: INestApplication;
  let app: INestApplication;
  const recorder = new EventRecorder();
  const tokens = new Map<string, string>();

  const TOKEN = 'sandbox_sync_e2e_main';
  const tenantId = 'org-sync-main';
  let connectionId: string;
  let before: Snapshot;

  beforeAll(async () => {
    sandbox = await startSandbox();
    admin = new SandboxAdmin(sandbox.adminUrl);
    await admin.configure(TOKEN, { records: 1_500, dealsVisible: true, leadsVisible: false });
    infra = await createSyncInfra(sandbox.baseUrl);
    await recorder.start(infra.amqpUrl);
    handoff = await startHandoffServer(infra.amqpUrl, tokens);
    app = await bootSync(infra, 'all');
  });

  afterAll(async () => {
    await closeApp(app);
    await closeApp(handoff);
    await recorder.stop();
    await infra?.drop();
    await sandbox?.close();
  });

  const runIdOf = (finished: CapturedMessage) => String(finished.payload.syncRunId);

  it('emits every record of the first sync exactly once, with one API call per page', async () => {
    before = await snapshot(sandbox.baseUrl, TOKEN);
    await admin.resetStats(TOKEN);
    connectionId = await connectOrg(app, tenantId);
    tokens.set(connectionId, TOKEN);

    const [finished] = await waitForRuns(recorder, connectionId, 1);
    expect(finished.payload).toMatchObject({ status: 'succeeded', mode: 'full', error: null });
    expect(finished.payload.nextSyncAt).toEqual(expect.any(String));
    const runId = runIdOf(finished);
    expect(recorder.of('sync.run.started', (m) => m.payload.syncRunId === runId)).toHaveLength(1);

    const raw = recorder.raw(runId);
    expectEachOnce(raw, idsOf(before));
    expect(raw.every((m) => m.tenantId === tenantId && m.correlationId === finished.correlationId)).toBe(true);
    // One key per page: the stream and a hash of the page's record versions.
    expect(raw[0].idempotencyKey).toMatch(/^[a-z_]+:[0-9a-f]{32}$/);

    const streams = finished.payload.streams as { stream: string; status: string; apiCalls: number; emitted: number }[];
    expect(streams.find((s) => s.stream === 'leads')?.status).toBe('unavailable');
    expect(streams.find((s) => s.stream === 'deals')?.status).toBe('succeeded');
    const calls = streams.reduce((sum, s) => sum + s.apiCalls, 0);
    expect(calls).toBeLessThanOrEqual(minimumCalls(before));
    expect((await admin.stats(TOKEN)).requests).toBe(calls);
  });

  it('emits nothing when nothing changed, with one call per stream plus the open-reward sweep', async () => {
    await admin.resetStats(TOKEN);
    await publish(
      app,
      'sync.requested',
      { connectionId, syncRunId: 'run-nochange', reason: 'manual', mode: 'incremental' },
      tenantId,
    );
    const finished = (await waitForRuns(recorder, connectionId, 2))[1];
    expect(finished.payload).toMatchObject({
      syncRunId: 'run-nochange',
      status: 'succeeded',
      mode: 'incremental',
      recordsEmitted: 0,
    });
    expect(recorder.raw('run-nochange')).toHaveLength(0);
    const streams = finished.payload.streams as { stream: string; apiCalls: number }[];
    for (const { stream, apiCalls } of streams) {
      if (stream !== 'rewards') expect({ stream, apiCalls }).toEqual({ stream, apiCalls: 1 });
    }
    const sweepPages = await admin.openRewardSweepPages(TOKEN);
    expect(streams.find((s) => s.stream === 'rewards')!.apiCalls).toBeLessThanOrEqual(1 + sweepPages);
    expect((await admin.stats(TOKEN)).requests).toBe(streams.reduce((sum, s) => sum + s.apiCalls, 0));
  });

  it('after time passes, emits new records incrementally and exactly the rest (and removals) on reconcile', async () => {
    await admin.advance(TOKEN, 20);
    const after = await snapshot(sandbox.baseUrl, TOKEN);
    const expected = diff(before, after);
    expect(expected.created.size).toBeGreaterThan(0);
    expect(expected.removed.size + expected.changedOrNew.size - expected.created.size).toBeGreaterThan(0);

    await publish(
      app,
      'sync.requested',
      { connectionId, syncRunId: 'run-after-1', reason: 'manual', mode: 'incremental' },
      tenantId,
    );
    await waitForRuns(recorder, connectionId, 3);
    const incremental = new Set(recorder.raw('run-after-1').map(idOf));
    for (const id of expected.created) expect(incremental).toContain(id);
    for (const id of incremental) expect(expected.changedOrNew).toContain(id);

    await publish(
      app,
      'sync.requested',
      { connectionId, syncRunId: 'run-after-2', reason: 'manual', mode: 'full' },
      tenantId,
    );
    const finished = (await waitForRuns(recorder, connectionId, 4))[3];
    expect(finished.payload).toMatchObject({ status: 'succeeded', mode: 'full' });
    const rest = new Set([...expected.changedOrNew].filter((id) => !incremental.has(id)));
    expectEachOnce(recorder.raw('run-after-2'), rest);
    expectEachOnce(recorder.removed('run-after-2'), expected.removed);
    before = after;
  });

  it('does not enqueue a second run while one is queued or running', async () => {
    const ids = ['dup-a', 'dup-b', 'dup-c'];
    const requests = ids.map((syncRunId) =>
      publish(app, 'sync.requested', { connectionId, syncRunId, reason: 'manual', mode: 'incremental' }, tenantId),
    );
    await Promise.all(requests);
    // Each request is a run of its own or merged into one; all of those runs finished.
    const runs = await waitFor(
      async () => {
        const { rows } = await infra.db.query(`select id, status from sync.run where id like 'dup-%'`);
        const merged = new Set(recorder.of('sync.run.merged').map((m) => m.payload.syncRunId));
        const settled = rows.length + ids.filter((id) => merged.has(id)).length === ids.length;
        return settled && rows.every((row) => row.status === 'succeeded') ? rows : undefined;
      },
      { description: 'every request run or merged' },
    );
    // The requests made while the first was queued were merged into it; one made once it ran is its follow-up.
    expect(runs.length).toBeLessThanOrEqual(2);
    expect(recorder.of('sync.job', (m) => String(m.payload.syncRunId).startsWith('dup-'))).toHaveLength(runs.length);
  });

  it('ends the run on a 401, marks the connection invalid once, and schedules it no more', async () => {
    const revokedTenant = 'org-sync-revoked';
    const revoked = await connectOrg(app, revokedTenant);
    tokens.set(revoked, 'revoked-token-that-partnerstack-rejects');
    const [finished] = await waitForRuns(recorder, revoked, 1);
    expect(finished.payload).toMatchObject({ status: 'failed', nextSyncAt: null });
    expect(String(finished.payload.error)).toContain('401');
    const invalid = recorder.of('sync.connection.invalid', (m) => m.payload.connectionId === revoked);
    expect(invalid).toHaveLength(1);
    expect(invalid[0].tenantId).toBe(revokedTenant);
    const streams = finished.payload.streams as { apiCalls: number }[];
    expect(streams.reduce((sum, s) => sum + s.apiCalls, 0)).toBe(1);
    const { rows } = await infra.db.query(`select status from sync.connection where id = $1`, [revoked]);
    expect(rows[0].status).toBe('invalid');

    await publish(
      app,
      'sync.requested',
      { connectionId: revoked, syncRunId: 'after-invalid', reason: 'manual', mode: 'incremental' },
      revokedTenant,
    );
    await publish(
      app,
      'sync.requested',
      { connectionId, syncRunId: 'marker', reason: 'manual', mode: 'incremental' },
      tenantId,
    );
    await waitFor(() => recorder.finished(connectionId).find((m) => m.payload.syncRunId === 'marker'), {
      description: 'the marker run finished',
    });
    const { rows: after } = await infra.db.query(`select id from sync.run where id = 'after-invalid'`);
    expect(after).toHaveLength(0);
  });

  it('keeps a full sync asked for during an incremental run: a queued run becomes full, a running one is followed', async () => {
    const pendingToken = 'sandbox_sync_e2e_pending';
    const pendingTenant = 'org-sync-pending';
    // Slow calls keep an incremental run running long enough to ask for a full sync in the middle of it.
    await admin.configure(pendingToken, { records: 300, faults: { latencyMs: 200 } });
    const pending = await connectOrg(app, pendingTenant);
    tokens.set(pending, pendingToken);
    const [first] = await waitForRuns(recorder, pending, 1);
    expect(first.payload).toMatchObject({ status: 'succeeded', mode: 'full' });
    const runRow = async (id: string) =>
      (await infra.db.query(`select mode, status, reason from sync.run where id = $1`, [id])).rows[0] as
        { mode: string; status: string; reason: string } | undefined;
    const requestFull = (syncRunId: string) =>
      publish(
        app,
        'sync.requested',
        { connectionId: pending, syncRunId, reason: 'manual', mode: 'full' },
        pendingTenant,
      );

    // A run no worker has started yet: made full in place, no second run.
    await infra.db.query(
      `insert into sync.run (id, connection_id, tenant_id, correlation_id, reason, mode, status)
       values ('pending-queued', $1, $2, 'corr-pending', 'scheduled', 'incremental', 'queued')`,
      [pending, pendingTenant],
    );
    await requestFull('pending-full-1');
    await waitFor(async () => (await runRow('pending-queued'))?.mode === 'full' || undefined, {
      description: 'the queued run made full',
    });
    // Its job message still says incremental: the worker goes by the run.
    await publish(
      app,
      'sync.job',
      { connectionId: pending, syncRunId: 'pending-queued', reason: 'scheduled', mode: 'incremental' },
      pendingTenant,
    );
    const second = (await waitForRuns(recorder, pending, 2))[1];
    expect(second.payload).toMatchObject({ syncRunId: 'pending-queued', status: 'succeeded', mode: 'full' });
    expect(await runRow('pending-full-1')).toBeUndefined();

    // A running one: the request waits as the connection's follow-up, enqueued under its own id once it is done.
    await publish(
      app,
      'sync.requested',
      { connectionId: pending, syncRunId: 'pending-incremental', reason: 'manual', mode: 'incremental' },
      pendingTenant,
    );
    await waitFor(async () => (await runRow('pending-incremental'))?.status === 'running' || undefined, {
      description: 'the incremental run running',
    });
    await requestFull('pending-full-2');
    const [third, fourth] = (await waitForRuns(recorder, pending, 4)).slice(2);
    expect(third.payload).toMatchObject({ syncRunId: 'pending-incremental', mode: 'incremental' });
    expect(fourth.payload).toMatchObject({ syncRunId: 'pending-full-2', status: 'succeeded', mode: 'full' });
    expect(await runRow('pending-full-2')).toMatchObject({ reason: 'manual', mode: 'full' });
    const { rows } = await infra.db.query(`select follow_up_run_id from sync.connection where id = $1`, [pending]);
    expect(rows[0].follow_up_run_id).toBeNull();
  });
});
