import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { startEventsTransport } from '@pp/messaging';
import { QUEUES } from '@pp/contracts';
import { createTestDatabase, createTestVhost, waitFor } from '@pp/testing';

import { RunningSandbox, startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';
import { SyncModule } from '../../../apps/sync/src/sync.module';
import {
  api,
  EventTap,
  HANDOFF_KEY,
  JWT_SECRET,
  jwtFor,
  KEY_V1,
  sandboxToken,
  startCredentialsApp,
  waitForConsumers,
} from './credentials-harness';

const PATH = '/v1/integrations/partnerstack';
const TERMINAL = ['succeeded', 'partial', 'failed'];

interface RequestedSync {
  syncRunId: string;
  runId: string;
  status: string;
}

/**
 * The ids credentials answers, against the real sync scheduler and worker (in this process) and the sandbox: every
 * id a PUT or POST /sync returns must reach a terminal status the settings page can see.
 */
describe('sync ids answered by credentials, with the sync service running', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let sandbox: RunningSandbox;
  let credentials: INestApplication;
  let sync: INestApplication;
  let tap: EventTap;
  const logLines: string[] = [];

  const status = async (org: string, syncRunId?: string) =>
    (
      await api(credentials)
        .get(PATH)
        .query(syncRunId ? { syncRunId } : {})
        .auth(jwtFor(org), { type: 'bearer' })
        .expect(200)
    ).body;
  const requestSync = async (org: string, body?: object) =>
    (await api(credentials).post(`${PATH}/sync`).auth(jwtFor(org), { type: 'bearer' }).send(body).expect(202)).body
      .syncRunId as string;

  /** Connects with a token whose sandbox agency answers slowly, so a run stays running long enough to be seen. */
  async function connect(org: string, latencyMs = 0): Promise<string> {
    const token = sandboxToken();
    if (latencyMs > 0) {
      const configured = await fetch(`${sandbox.adminUrl}/agency`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ records: 300, faults: { latencyMs } }),
      });
      expect(configured.status).toBe(200);
    }
    await api(credentials).put(PATH).auth(jwtFor(org), { type: 'bearer' }).send({ token }).expect(200);
    const [connected] = await tap.awaitEvents('credentials.connection.connected', org);
    return connected.parsed.payload.syncRunId as string;
  }

  /**
   * Resolves once the status object shows the id finished: as the requested sync it names (`?syncRunId`, so a
   * newer request does not hide it), or as the last run (a running run's id answered to a POST).
   */
  async function terminal(org: string, syncRunId: string): Promise<{ requested?: RequestedSync; runStatus: string }> {
    let last: unknown;
    return waitFor(
      async () => {
        const body = await status(org, syncRunId);
        last = body;
        const requested = body.lastRequestedSync as RequestedSync | null;
        if (requested?.syncRunId === syncRunId && TERMINAL.includes(requested.status))
          return { requested, runStatus: requested.status };
        if (body.lastSync?.id === syncRunId && TERMINAL.includes(body.lastSync.status))
          return { runStatus: body.lastSync.status as string };
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, description: `sync ${syncRunId} of ${org} to finish` },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last status: ${JSON.stringify(last)}`);
    });
  }

  beforeAll(async () => {
    [database, vhost, sandbox] = await Promise.all([
      createTestDatabase('pp_cred_sync'),
      createTestVhost('pp_cred_sync'),
      startSandbox({ defaultRecords: 50 }),
    ]);
    Object.assign(process.env, {
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      AMQP_URL: vhost.url,
      PARTNERSTACK_API_URL: sandbox.baseUrl,
      JWT_SECRET,
      TOKEN_HANDOFF_KEY: HANDOFF_KEY,
      CREDENTIALS_ENCRYPTION_KEYS: `${KEY_V1.id}:${KEY_V1.material}`,
      LOG_LEVEL: 'warn',
      SYNC_ROLE: 'all',
      SYNC_LEASE_TTL_SECONDS: '3',
      SYNC_SCHEDULER_TICK_SECONDS: '1',
      SYNC_JOB_RETRY_BASE_SECONDS: '0.2',
      SYNC_PROGRESS_INTERVAL_SECONDS: '1',
      PARTNERSTACK_REQUESTS_PER_MINUTE: '60000',
    });
    tap = await EventTap.open(vhost.url);
    credentials = await startCredentialsApp(logLines);
    sync = await NestFactory.create(SyncModule.forRole('all'), { logger: ['error'] });
    await sync.init();
    await startEventsTransport(sync);
    await waitForConsumers(vhost.url, [
      QUEUES.credentialsSyncEvents.queue,
      QUEUES.syncScheduler.queue,
      QUEUES.syncJobs.queue,
    ]);
  });

  afterAll(async () => {
    // A messaging shutdown can hang on a channel racing its connection's close; the vhost is dropped anyway.
    const close = (app?: INestApplication) =>
      app
        ? Promise.race([
            app.close().catch(() => undefined),
            new Promise((resolve) => setTimeout(resolve, 3_000).unref()),
          ])
        : undefined;
    await close(sync);
    await close(credentials);
    await tap?.close();
    await sandbox?.close().catch(() => undefined);
    await vhost?.drop();
    await database?.drop();
  });

  it("answers the PUT's id to a POST right after it, and that id finishes", async () => {
    const org = 'org_ids_put_post';
    const token = sandboxToken();
    const put = api(credentials).put(PATH).auth(jwtFor(org), { type: 'bearer' }).send({ token });
    await put.expect(200);
    const posted = await requestSync(org);
    const [connected] = await tap.awaitEvents('credentials.connection.connected', org);
    expect(posted).toBe(connected.parsed.payload.syncRunId);
    expect(tap.of('sync.requested', org)).toHaveLength(0);
    const done = await terminal(org, posted);
    expect(done.requested).toMatchObject({ syncRunId: posted, runId: posted });
    expect((await status(org)).lastSync.id).toBe(posted);
  });

  it('answers the queued first sync to a POST, and it finishes', async () => {
    const org = 'org_ids_queued';
    const first = await connect(org, 50);
    await waitFor(() => tap.of('sync.job', org).find((job) => job.parsed.payload.syncRunId === first), {
      description: 'the first sync job',
    });
    expect(await requestSync(org)).toBe(first);
    await terminal(org, first);
  });

  it('answers the running run to a POST while it runs, and it finishes', async () => {
    const org = 'org_ids_running';
    const first = await connect(org, 250);
    await waitFor(async () => (await status(org)).lastSync?.status === 'running', {
      timeoutMs: 30_000,
      description: 'the first run running',
    });
    expect(await requestSync(org)).toBe(first);
    // Reported every second while it runs, and kept as the run's last report once it ends.
    const progress = await waitFor(async () => (await status(org)).lastSync?.progress, {
      timeoutMs: 30_000,
      description: 'progress of the running run',
    });
    expect(progress.streams.length).toBeGreaterThan(0);
    expect(Date.parse(progress.reportedAt)).toBeGreaterThan(0);
    await terminal(org, first);
  });

  it('answers one id to two POSTs at once, and it finishes', async () => {
    const org = 'org_ids_twice';
    const first = await connect(org);
    await terminal(org, first);
    const [left, right] = await Promise.all([requestSync(org), requestSync(org)]);
    expect(left).toBe(right);
    expect(left).not.toBe(first);
    const done = await terminal(org, left);
    expect(done.requested?.syncRunId).toBe(left);
    const final = await status(org);
    expect(final.freshness.length).toBeGreaterThan(0);
  });

  it('follows a running run with the full sync asked for during it, under the id it answered', async () => {
    const org = 'org_ids_full';
    const first = await connect(org, 150);
    await waitFor(async () => (await status(org)).lastSync?.status === 'running', {
      timeoutMs: 30_000,
      description: 'the first run running',
    });
    const full = await requestSync(org, { mode: 'full' });
    expect(full).not.toBe(first);
    await terminal(org, first);
    const done = await terminal(org, full);
    expect(done.requested).toMatchObject({ syncRunId: full });
  });

  it('syncs the org after a postback, under the id it requested', async () => {
    const org = 'org_ids_postback';
    const first = await connect(org);
    await terminal(org, first);
    const { postbackUrl } = await status(org);
    await api(credentials).post(new URL(postbackUrl).pathname).send({ event: 'reward_created' }).expect(202);
    const requested = await waitFor(
      () => tap.of('sync.requested', org).find((message) => message.parsed.payload.reason === 'postback'),
      { description: 'the postback sync request' },
    );
    const syncRunId = requested.parsed.payload.syncRunId as string;
    const done = await terminal(org, syncRunId);
    expect(done.requested).toMatchObject({ syncRunId, reason: 'postback', mode: 'incremental' });
  });
});
