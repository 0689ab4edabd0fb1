import { randomUUID } from 'node:crypto';

import { INestApplication } from '@nestjs/common';
import amqp from 'amqplib';

import { MessageOf, PayloadInputOf, QUEUES } from '@pp/contracts';
import { MessagePublisher } from '@pp/messaging';
import { waitFor } from '@pp/testing';

import { startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';
import { SyncSchedulerCron } from '../../../apps/sync/src/scheduling/sync-scheduler.cron';
import { SandboxAdmin } from './sandbox-admin';
import {
  bootSync,
  CapturedMessage,
  closeApp,
  createSyncInfra,
  EventRecorder,
  publish,
  startHandoffServer,
  SyncInfra,
  waitForRuns,
} from './sync-harness';

/**
 * Every requested run id reaches a published outcome (issue 12). The scheduler's tick is slowed to 10 minutes, so a
 * follow-up that starts within the test's deadline was started by the end of the run before it, not by the tick.
 */
describe('sync requests: no requested run is ever lost', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let admin: SandboxAdmin;
  let infra: SyncInfra;
  let handoff: INestApplication;
  let scheduler: INestApplication;
  let secondScheduler: INestApplication;
  let worker: INestApplication | undefined;
  const recorder = new EventRecorder();
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    sandbox = await startSandbox();
    admin = new SandboxAdmin(sandbox.adminUrl);
    infra = await createSyncInfra(sandbox.baseUrl, { SYNC_SCHEDULER_TICK_SECONDS: '600' });
    await recorder.start(infra.amqpUrl);
    handoff = await startHandoffServer(infra.amqpUrl, tokens);
    // Two scheduler replicas compete for the scheduler queue, as in production.
    scheduler = await bootSync(infra, 'scheduler');
    secondScheduler = await bootSync(infra, 'scheduler');
    // Consumers declare and bind their queue after boot; an event published before that would be routed nowhere.
    // (Declared here as the dispatcher declares it: checking a queue that does not exist yet closes the channel.)
    const broker = await amqp.connect(infra.amqpUrl);
    try {
      const channel = await broker.createChannel();
      await waitFor(
        async () =>
          (await channel.assertQueue(QUEUES.syncScheduler.queue, { durable: true })).consumerCount === 2 || undefined,
        { description: 'both scheduler replicas consuming' },
      );
    } finally {
      await broker.close();
    }
  });

  afterAll(async () => {
    await closeApp(worker);
    await closeApp(secondScheduler);
    await closeApp(scheduler);
    await closeApp(handoff);
    await recorder.stop();
    await infra?.drop();
    await sandbox?.close();
  });

  const runRow = async (id: string) =>
    (await infra.db.query(`select status, mode, reason, correlation_id from sync.run where id = $1`, [id])).rows[0] as
      { status: string; mode: string; reason: string; correlation_id: string } | undefined;
  const followUpOf = async (connectionId: string) =>
    (
      await infra.db.query(`select follow_up_run_id as id, follow_up_mode as mode from sync.connection where id = $1`, [
        connectionId,
      ])
    ).rows[0] as { id: string | null; mode: string | null };

  const requestSync = (
    tenantId: string,
    payload: PayloadInputOf<'sync.requested'>,
  ): Promise<MessageOf<'sync.requested'>> =>
    scheduler.get(MessagePublisher).publish('sync.requested', payload, { tenantId });

  async function connect(tenantId: string, token: string, syncRunId?: string): Promise<string> {
    const connectionId = randomUUID();
    tokens.set(connectionId, token);
    await publish(
      scheduler,
      'credentials.connection.connected',
      { connectionId, actorUserId: 'user-1', tokenHint: 'xxxx', connectedAt: new Date().toISOString(), syncRunId },
      tenantId,
    );
    return connectionId;
  }

  const finishedOf = (runId: string) => recorder.of('sync.run.finished', (m) => m.payload.syncRunId === runId);
  const mergedOf = (runId: string) => recorder.of('sync.run.merged', (m) => m.payload.syncRunId === runId);

  /** The published outcome of a requested id: its own finished event, or that of the run it was merged into. */
  function outcomeOf(runId: string): CapturedMessage | undefined {
    const [own] = finishedOf(runId);
    if (own) return own;
    const [merged] = mergedOf(runId);
    return merged ? outcomeOf(String(merged.payload.mergedIntoSyncRunId)) : undefined;
  }

  const waitForOutcome = (runId: string, timeoutMs = 60_000) =>
    waitFor(() => outcomeOf(runId), { timeoutMs, description: `an outcome of run '${runId}'` });

  it('merges a request into the first sync while it is queued; that run is made full and finishes', async () => {
    const tenantId = 'org-req-queued';
    // No worker yet: the connected event's run stays queued.
    const connectionId = await connect(tenantId, 'sandbox_req_queued', 'first-queued');
    await waitFor(async () => (await runRow('first-queued'))?.status === 'queued' || undefined, {
      description: 'the first run queued under the id the connected event carried',
    });
    expect(await runRow('first-queued')).toMatchObject({ mode: 'incremental', reason: 'connected' });

    const request = await requestSync(tenantId, {
      connectionId,
      syncRunId: 'req-queued',
      reason: 'manual',
      mode: 'full',
    });
    const [merged] = await waitFor(() => (mergedOf('req-queued').length > 0 ? mergedOf('req-queued') : undefined), {
      description: 'the merged event',
    });
    expect(merged.payload).toMatchObject({ connectionId, mergedIntoSyncRunId: 'first-queued' });
    expect(merged.payload.mergedAt).toEqual(expect.any(String));
    expect(merged.tenantId).toBe(tenantId);
    expect(merged.correlationId).toBe(request.correlationId);
    expect(await runRow('first-queued')).toMatchObject({ status: 'queued', mode: 'full' });
    expect(await runRow('req-queued')).toBeUndefined();

    // A redelivery publishes the same merge again and changes nothing.
    await requestSync(tenantId, { connectionId, syncRunId: 'req-queued', reason: 'manual', mode: 'full' });
    await waitFor(() => mergedOf('req-queued').length === 2 || undefined, { description: 'the merge re-published' });
    expect(mergedOf('req-queued')[1]).toMatchObject({
      idempotencyKey: merged.idempotencyKey,
      payload: merged.payload,
    });
    const { rows } = await infra.db.query(`select id from sync.run where connection_id = $1`, [connectionId]);
    expect(rows).toEqual([{ id: 'first-queued' }]);

    worker = await bootSync(infra, 'worker');
    const outcome = await waitForOutcome('req-queued');
    expect(outcome.payload).toMatchObject({ syncRunId: 'first-queued', status: 'succeeded', mode: 'full' });
    expect(await waitForRuns(recorder, connectionId, 1)).toHaveLength(1);
  });

  it('runs a request made during a running sync as a follow-up under its own id, as soon as that run ends', async () => {
    const tenantId = 'org-req-running';
    const token = 'sandbox_req_running';
    // Slow calls keep the first run running long enough to ask for more in the middle of it.
    await admin.configure(token, { records: 300, faults: { latencyMs: 300 } });
    const connectionId = await connect(tenantId, token, 'running-first');
    await waitFor(async () => (await runRow('running-first'))?.status === 'running' || undefined, {
      description: 'the first run running',
    });

    const request = await requestSync(tenantId, {
      connectionId,
      syncRunId: 'req-running',
      reason: 'manual',
      mode: 'incremental',
    });
    await waitFor(async () => (await followUpOf(connectionId)).id === 'req-running' || undefined, {
      description: 'the request kept as the follow-up',
    });
    // A second request while the follow-up waits is merged into it, and a full one makes it full.
    await requestSync(tenantId, { connectionId, syncRunId: 'req-running-2', reason: 'manual', mode: 'full' });
    const [merged] = await waitFor(
      () => (mergedOf('req-running-2').length > 0 ? mergedOf('req-running-2') : undefined),
      { description: 'the second request merged into the follow-up' },
    );
    expect(merged.payload).toMatchObject({ mergedIntoSyncRunId: 'req-running' });
    expect(await followUpOf(connectionId)).toEqual({ id: 'req-running', mode: 'full' });
    expect(await runRow('running-first')).toMatchObject({ status: 'running' });
    expect(await runRow('req-running')).toBeUndefined();

    const first = await waitFor(() => finishedOf('running-first')[0], { description: 'the first run finished' });
    const followUp = await waitFor(() => finishedOf('req-running')[0], {
      timeoutMs: 30_000,
      description: 'the follow-up finished (the tick is too slow to have started it)',
    });
    expect(followUp.payload).toMatchObject({ connectionId, status: 'succeeded', mode: 'full' });
    expect(Date.parse(String(followUp.payload.startedAt))).toBeGreaterThanOrEqual(
      Date.parse(String(first.payload.finishedAt)),
    );
    expect(followUp.correlationId).toBe(request.correlationId);
    expect(await runRow('req-running')).toMatchObject({ reason: 'manual', mode: 'full' });
    expect(await followUpOf(connectionId)).toEqual({ id: null, mode: null });
    expect(outcomeOf('req-running-2')?.payload.syncRunId).toBe('req-running');
  });

  it('gives every one of several simultaneous requests an outcome, whichever replica takes each', async () => {
    const tenantId = 'org-req-race';
    const token = 'sandbox_req_race';
    await admin.configure(token, { records: 300, faults: { latencyMs: 20 } });
    const connectionId = await connect(tenantId, token, 'race-first');
    await waitForOutcome('race-first');

    const ids = ['race-a', 'race-b', 'race-c', 'race-d'];
    await Promise.all(
      ids.map((syncRunId) => requestSync(tenantId, { connectionId, syncRunId, reason: 'manual', mode: 'incremental' })),
    );
    for (const id of ids) {
      const outcome = await waitForOutcome(id);
      expect({ id, status: outcome.payload.status }).toEqual({ id, status: 'succeeded' });
    }
    // One of them became a run; each of the others was merged, into it or into the follow-up of its run.
    const { rows } = await infra.db.query(`select id from sync.run where id = any($1)`, [ids]);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThanOrEqual(2);
    for (const id of ids) {
      const ownRun = rows.some((row) => row.id === id);
      expect({ id, merged: mergedOf(id).length > 0 }).toEqual({ id, merged: !ownRun });
    }
  });

  it('ends a request for an invalid connection at once as failed, and a rotation with a run id runs under it', async () => {
    const tenantId = 'org-req-invalid';
    const connectionId = await connect(tenantId, 'sandbox_req_invalid', 'invalid-first');
    await waitForOutcome('invalid-first');
    await publish(
      scheduler,
      'credentials.connection.status-changed',
      {
        connectionId,
        actorUserId: null,
        status: 'invalid',
        reason: 'PartnerStack rejected the token',
        changedAt: new Date().toISOString(),
      },
      tenantId,
    );
    await waitFor(
      async () =>
        (await infra.db.query(`select status from sync.connection where id = $1`, [connectionId])).rows[0].status ===
          'invalid' || undefined,
      { description: 'the connection invalid' },
    );

    const request = await requestSync(tenantId, {
      connectionId,
      syncRunId: 'req-invalid',
      reason: 'manual',
      mode: 'incremental',
    });
    const failed = await waitFor(() => finishedOf('req-invalid')[0], { description: 'the failed finished event' });
    expect(failed.payload).toEqual({
      connectionId,
      syncRunId: 'req-invalid',
      mode: 'incremental',
      status: 'failed',
      startedAt: failed.payload.finishedAt,
      finishedAt: expect.any(String),
      recordsFetched: 0,
      recordsEmitted: 0,
      error: 'The PartnerStack connection is invalid; paste a new token',
      streams: [],
      nextSyncAt: null,
    });
    expect(failed.tenantId).toBe(tenantId);
    expect(failed.correlationId).toBe(request.correlationId);
    expect(await runRow('req-invalid')).toBeUndefined();

    await publish(
      scheduler,
      'credentials.connection.rotated',
      {
        connectionId,
        actorUserId: 'user-1',
        tokenHint: 'yyyy',
        rotatedAt: new Date().toISOString(),
        syncRunId: 'rotated-run',
      },
      tenantId,
    );
    const rotated = await waitFor(() => finishedOf('rotated-run')[0], { description: 'the rotation run finished' });
    expect(rotated.payload).toMatchObject({ connectionId, status: 'succeeded' });
    expect(await runRow('rotated-run')).toMatchObject({ reason: 'rotated', status: 'succeeded' });

    // A late redelivery of the failed request says the same again, even though the connection works now.
    await requestSync(tenantId, { connectionId, syncRunId: 'req-invalid', reason: 'manual', mode: 'incremental' });
    await waitFor(() => finishedOf('req-invalid').length === 2 || undefined, { description: 'the failure again' });
    expect(finishedOf('req-invalid')[1]).toMatchObject({
      idempotencyKey: failed.idempotencyKey,
      payload: failed.payload,
    });
    expect(await runRow('req-invalid')).toBeUndefined();
  });

  it('fails a waiting follow-up when the connection was disconnected during the run it waited for', async () => {
    const tenantId = 'org-req-revoked';
    const token = 'sandbox_req_revoked';
    await admin.configure(token, { records: 300, faults: { latencyMs: 300 } });
    const connectionId = await connect(tenantId, token, 'revoked-first');
    await waitFor(async () => (await runRow('revoked-first'))?.status === 'running' || undefined, {
      description: 'the first run running',
    });
    await requestSync(tenantId, { connectionId, syncRunId: 'req-revoked', reason: 'manual', mode: 'incremental' });
    await waitFor(async () => (await followUpOf(connectionId)).id === 'req-revoked' || undefined, {
      description: 'the request kept as the follow-up',
    });
    await publish(
      scheduler,
      'credentials.connection.disconnected',
      { connectionId, actorUserId: 'user-1', disconnectedAt: new Date().toISOString() },
      tenantId,
    );

    const failed = await waitFor(() => finishedOf('req-revoked')[0], {
      timeoutMs: 30_000,
      description: 'the follow-up failed',
    });
    expect(finishedOf('revoked-first')).toHaveLength(1);
    expect(failed.payload).toMatchObject({
      status: 'failed',
      error: 'The PartnerStack connection is disconnected; connect it again to sync',
      streams: [],
      nextSyncAt: null,
    });
    expect(await runRow('req-revoked')).toBeUndefined();
    expect(await followUpOf(connectionId)).toEqual({ id: null, mode: null });
  });

  describe('a follow-up whose run ended unseen (its finished event not consumed yet, or lost)', () => {
    const tenantId = 'org-req-unseen';
    let connectionId: string;
    const runsOf = async () =>
      (await infra.db.query(`select id from sync.run where connection_id = $1 order by queued_at`, [connectionId]))
        .rows;
    const leaveFollowUp = (id: string) =>
      infra.db.query(
        `update sync.connection set follow_up_run_id = $2, follow_up_mode = 'incremental', follow_up_reason = 'manual',
           follow_up_correlation_id = $3, follow_up_requested_at = now()
         where id = $1`,
        [connectionId, id, `corr-${id}`],
      );

    beforeAll(async () => {
      connectionId = await connect(tenantId, 'sandbox_req_unseen', 'unseen-first');
      await waitForOutcome('unseen-first');
    });

    it('starts when a request comes, which is merged into it', async () => {
      await leaveFollowUp('unseen-follow-up');
      await requestSync(tenantId, { connectionId, syncRunId: 'unseen-request', reason: 'manual', mode: 'full' });
      const [merged] = await waitFor(
        () => (mergedOf('unseen-request').length > 0 ? mergedOf('unseen-request') : undefined),
        { description: 'the request merged into the follow-up' },
      );
      expect(merged.payload.mergedIntoSyncRunId).toBe('unseen-follow-up');
      const finished = await waitFor(() => finishedOf('unseen-follow-up')[0], { description: 'the follow-up run' });
      expect(finished.payload).toMatchObject({ status: 'succeeded', mode: 'full' });
      expect(finished.correlationId).toBe('corr-unseen-follow-up');
      expect(await runsOf()).toEqual([{ id: 'unseen-first' }, { id: 'unseen-follow-up' }]);
    });

    it('is what the tick runs, even when a scheduled sync is due too', async () => {
      await leaveFollowUp('unseen-tick');
      await infra.db.query(`update sync.connection set last_enqueued_at = now() - interval '1 day' where id = $1`, [
        connectionId,
      ]);
      // Whichever replica holds the leader lease does the periodic part.
      await Promise.all([scheduler, secondScheduler].map((app) => app.get(SyncSchedulerCron).tick()));
      const finished = await waitFor(() => finishedOf('unseen-tick')[0], { description: 'the follow-up run' });
      expect(finished.payload).toMatchObject({ status: 'succeeded' });
      expect(await runRow('unseen-tick')).toMatchObject({ reason: 'manual', correlation_id: 'corr-unseen-tick' });
      expect(await runsOf()).toEqual([{ id: 'unseen-first' }, { id: 'unseen-follow-up' }, { id: 'unseen-tick' }]);
    });
  });
});
