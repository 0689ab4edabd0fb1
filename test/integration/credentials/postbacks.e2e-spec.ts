import { INestApplication } from '@nestjs/common';
import { Client } from 'pg';

import { createTestDatabase, createTestVhost, waitFor } from '@pp/testing';

import { POSTBACK_CALLS_PER_MINUTE } from '../../../apps/credentials/src/credentials.constants';
import { RunningSandbox, startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';
import {
  api,
  EventTap,
  jwtFor,
  sandboxToken,
  startCredentialsApp,
  TappedMessage,
  useCredentialsEnvironment,
} from './credentials-harness';

const PATH = '/v1/integrations/partnerstack';
const BASE_URL = 'https://hooks.example.test';
const DEBOUNCE_SECONDS = 5;

describe('postback URLs', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let sandbox: RunningSandbox;
  let app: INestApplication;
  let tap: EventTap;
  let pg: Client;
  const logLines: string[] = [];
  /** Every postback secret the suite saw, for the leak scan at the end. */
  const secrets: string[] = [];

  const pathOf = (url: string) => {
    expect(url.startsWith(`${BASE_URL}/v1/postbacks/partnerstack/`)).toBe(true);
    secrets.push(url.split('/').pop()!);
    return url.slice(BASE_URL.length);
  };
  const postbackRequests = (org: string): TappedMessage[] =>
    tap.of('sync.requested', org).filter((message) => message.parsed.payload.reason === 'postback');

  /** Connects the org and answers its postback path. */
  async function connect(org: string): Promise<string> {
    const response = await api(app)
      .put(PATH)
      .auth(jwtFor(org), { type: 'bearer' })
      .send({ token: sandboxToken() })
      .expect(200);
    return pathOf(response.body.postbackUrl);
  }

  beforeAll(async () => {
    [database, vhost, sandbox] = await Promise.all([
      createTestDatabase('pp_postback'),
      createTestVhost('pp_postback'),
      startSandbox({ defaultRecords: 5 }),
    ]);
    useCredentialsEnvironment(
      { databaseUrl: database.url, amqpUrl: vhost.url, sandboxUrl: sandbox.baseUrl },
      {
        POSTBACK_BASE_URL: `${BASE_URL}/`,
        POSTBACK_DEBOUNCE_SECONDS: String(DEBOUNCE_SECONDS),
        LOG_LEVEL: 'debug',
      },
    );
    tap = await EventTap.open(vhost.url);
    app = await startCredentialsApp(logLines);
    pg = new Client({ connectionString: database.url });
    await pg.connect();
  });

  afterAll(async () => {
    await app?.close();
    await tap?.close();
    await pg?.end();
    await sandbox?.close().catch(() => undefined);
    await vhost?.drop();
    await database?.drop();
    delete process.env.POSTBACK_BASE_URL;
    delete process.env.POSTBACK_DEBOUNCE_SECONDS;
  });

  it('answers 404 for an unknown secret and 413 for a body over 16 KiB, without a JWT', async () => {
    const path = await connect('org_pb_limits');
    await api(app).post('/v1/postbacks/partnerstack/not-a-known-secret').send({ event: 'test' }).expect(404);
    await api(app)
      .post(`/v1/postbacks/partnerstack/${'A'.repeat(43)}`)
      .send({ event: 'test' })
      .expect(404);
    const large = await api(app)
      .post(path)
      .send({ event: 'action_created', data: { blob: 'x'.repeat(17 * 1024) } })
      .expect(413);
    expect(large.body.message).toMatch(/at most 16384 bytes/);
    expect(postbackRequests('org_pb_limits')).toHaveLength(0);
  });

  it('schedules an incremental sync of the org within a deadline', async () => {
    const path = await connect('org_pb_one');
    const [connected] = await tap.awaitEvents('credentials.connection.connected', 'org_pb_one');
    await api(app)
      .post(path)
      .send({ event: 'test', data: { message: 'Test event sent!' } })
      .expect(202);
    const requested = await waitFor(() => postbackRequests('org_pb_one')[0], {
      description: 'a postback sync.requested',
    });
    expect(requested.parsed.payload).toMatchObject({
      connectionId: connected.parsed.payload.connectionId,
      reason: 'postback',
      mode: 'incremental',
    });
    expect(logLines.some((line) => line.includes("Postback for org 'org_pb_one'"))).toBe(true);
  });

  it('debounces a flood: one request at once, at most one trailing one at the end of the window', async () => {
    const path = await connect('org_pb_flood');
    const started = Date.now();
    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        new Promise((resolve) => setTimeout(resolve, index * 40)).then(
          async () => (await api(app).post(path).send({ event: 'reward_created', n: index })).status,
        ),
      ),
    );
    expect(Date.now() - started).toBeLessThan(DEBOUNCE_SECONDS * 1000);
    expect(statuses.every((status) => status === 202)).toBe(true);
    await waitFor(() => postbackRequests('org_pb_flood').length > 0, { description: 'the immediate request' });
    expect(postbackRequests('org_pb_flood')).toHaveLength(1);
    const due = await pg.query(
      `select postback_sync_due_at as due, postback_sync_requested_at as requested
       from credentials.connection where tenant_id = 'org_pb_flood'`,
    );
    expect(due.rows[0].due.getTime() - due.rows[0].requested.getTime()).toBe(DEBOUNCE_SECONDS * 1000);

    await waitFor(() => postbackRequests('org_pb_flood').length >= 2, {
      timeoutMs: 20_000,
      description: 'the trailing request',
    });
    const trailingAt = Date.now();
    expect(trailingAt).toBeGreaterThanOrEqual(due.rows[0].due.getTime());
    const after = await pg.query(
      `select postback_sync_due_at as due from credentials.connection where tenant_id = 'org_pb_flood'`,
    );
    // Nothing is due any more, so no third request can follow without a new postback.
    expect(after.rows[0].due).toBeNull();
    expect(postbackRequests('org_pb_flood')).toHaveLength(2);
    const ids = postbackRequests('org_pb_flood').map((message) => message.parsed.payload.syncRunId);
    expect(new Set(ids).size).toBe(2);
  });

  it('debounces across replicas: two apps sharing the database still publish one request and one trailing', async () => {
    const replica = await startCredentialsApp([]);
    try {
      const path = await connect('org_pb_replicas');
      const statuses = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          new Promise((resolve) => setTimeout(resolve, index * 50)).then(
            async () =>
              (
                await api(index % 2 === 0 ? app : replica)
                  .post(path)
                  .send({})
              ).status,
          ),
        ),
      );
      expect(statuses.every((status) => status === 202)).toBe(true);
      await waitFor(() => postbackRequests('org_pb_replicas').length >= 2, {
        timeoutMs: 20_000,
        description: 'the immediate and the trailing request',
      });
      const after = await pg.query(
        `select postback_sync_due_at as due from credentials.connection where tenant_id = 'org_pb_replicas'`,
      );
      expect(after.rows[0].due).toBeNull();
      expect(postbackRequests('org_pb_replicas')).toHaveLength(2);
    } finally {
      await replica.close();
    }
  });

  it('limits calls per URL (429 with Retry-After)', async () => {
    const org = 'org_pb_rate';
    const path = await connect(org);
    // The counter is a fixed one-minute window: start clear of its end so the calls below all land in one window,
    // and plant the window's earlier hits rather than making them all, which on a slow machine can outlast it.
    await waitFor(() => Date.now() % 60_000 < 50_000, { timeoutMs: 12_000, description: 'a fresh rate-limit window' });
    const windowStart = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    await pg.query(
      `insert into credentials.rate_limit_window (tenant_id, action, window_start, hits) values ($1, 'postback', $2, $3)`,
      [org, windowStart, POSTBACK_CALLS_PER_MINUTE - 2],
    );
    const responses = [];
    for (let call = 0; call < 3; call++) responses.push(await api(app).post(path).send({}));
    expect(responses.map((response) => response.status)).toEqual([202, 202, 429]);
    const retryAfter = Number(responses[2].headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('rotates the URL (admin only): the old one stops working at once, and is audited without the secret', async () => {
    const org = 'org_pb_rotate';
    const oldPath = await connect(org);
    await api(app)
      .post(`${PATH}/postback-url`)
      .auth(jwtFor(org, ['member']), { type: 'bearer' })
      .expect(403);
    const rotated = await api(app).post(`${PATH}/postback-url`).auth(jwtFor(org), { type: 'bearer' }).expect(200);
    const newPath = pathOf(rotated.body.postbackUrl);
    expect(newPath).not.toBe(oldPath);
    await api(app).post(oldPath).send({}).expect(404);
    await api(app).post(newPath).send({}).expect(202);
    const status = await api(app).get(PATH).auth(jwtFor(org), { type: 'bearer' }).expect(200);
    expect(status.body.postbackUrl).toBe(rotated.body.postbackUrl);
    const audit = await api(app).get(`${PATH}/audit`).auth(jwtFor(org), { type: 'bearer' }).expect(200);
    const actions = audit.body.data.map((entry: { action: string }) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['postback-url-created', 'postback-url-rotated']));
  });

  it('revokes the URL on disconnect, and gives a new one on reconnect', async () => {
    const org = 'org_pb_revoke';
    const path = await connect(org);
    await api(app).delete(PATH).auth(jwtFor(org), { type: 'bearer' }).expect(204);
    await api(app).post(path).send({}).expect(404);
    const status = await api(app).get(PATH).auth(jwtFor(org), { type: 'bearer' }).expect(200);
    expect(status.body.postbackUrl).toBeNull();
    await api(app).post(`${PATH}/postback-url`).auth(jwtFor(org), { type: 'bearer' }).expect(409);
    const audit = await api(app).get(`${PATH}/audit`).auth(jwtFor(org), { type: 'bearer' }).expect(200);
    expect(audit.body.data.map((entry: { action: string }) => entry.action)).toContain('postback-url-revoked');
    const again = await connect(org);
    expect(again).not.toBe(path);
    await api(app).post(again).send({}).expect(202);
  });

  it('never shows a secret in logs, published events or tables', async () => {
    expect(secrets.length).toBeGreaterThan(5);
    const found = (haystack: string) => secrets.filter((secret) => haystack.includes(secret));
    expect(logLines.some((line) => line.includes('/v1/postbacks/partnerstack/[REDACTED]'))).toBe(true);
    expect(found(logLines.join(''))).toEqual([]);
    expect(tap.messages.length).toBeGreaterThan(5);
    expect(found(tap.messages.map((message) => message.body).join('\n'))).toEqual([]);
    for (const table of ['connection', 'postback_secret', 'audit_event', 'rate_limit_window', 'sync_request']) {
      const dump = await pg.query(`select t::text as row from credentials.${table} t`);
      expect(found(dump.rows.map((row) => row.row).join('\n'))).toEqual([]);
    }
  });
});
