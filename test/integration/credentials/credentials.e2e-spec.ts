import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { INestApplication } from '@nestjs/common';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { Client } from 'pg';

import { createTestDatabase, createTestVhost, waitFor } from '@pp/testing';
import { TokenHandoffClient, TokenHandoffTransientError, TokenUnavailableError } from '@pp/token-handoff';

import { TokenCipher } from '../../../apps/credentials/src/encryption/token-cipher';
import { reencryptStoredTokens } from '../../../apps/credentials/src/encryption/token-reencryption';
import { RunningSandbox, startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';
import {
  api,
  EventTap,
  HANDOFF_KEY,
  JWT_SECRET,
  jwtFor,
  KEY_V1,
  KEY_V2,
  sandboxToken,
  startCredentialsApp,
  startHandoffClient,
  useCredentialsEnvironment,
} from './credentials-harness';

const ORG_A = 'org_cred_a';
const ORG_B = 'org_cred_b';
const ORG_C = 'org_cred_c';
const PATH = '/v1/integrations/partnerstack';

describe('credentials service', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let sandbox: RunningSandbox | undefined;
  let app: INestApplication;
  let tap: EventTap;
  let pg: Client;
  let handoff: { client: TokenHandoffClient; close: () => Promise<void> };
  const logLines: string[] = [];
  /** Every plaintext token the suite handed to the service, valid or not. */
  const tokens: string[] = [];
  const newToken = () => {
    const token = sandboxToken();
    tokens.push(token);
    return token;
  };
  const admin = jwtFor(ORG_A, ['admin'], 'user_admin_a');
  const member = jwtFor(ORG_A, ['member'], 'user_member_a');
  const adminB = jwtFor(ORG_B, ['admin'], 'user_admin_b');
  let connectionId: string;
  let currentToken: string;
  let postbackUrl: string;

  beforeAll(async () => {
    [database, vhost, sandbox] = await Promise.all([
      createTestDatabase('pp_cred'),
      createTestVhost('pp_cred'),
      startSandbox({ defaultRecords: 5 }),
    ]);
    useCredentialsEnvironment(
      { databaseUrl: database.url, amqpUrl: vhost.url, sandboxUrl: sandbox.baseUrl },
      {
        SYNC_INTERVAL_MINUTES: '15',
        LOG_LEVEL: 'debug',
      },
    );
    tap = await EventTap.open(vhost.url);
    app = await startCredentialsApp(logLines);
    handoff = await startHandoffClient(vhost.url, HANDOFF_KEY, app.get(PinoNestLogger));
    pg = new Client({ connectionString: database.url });
    await pg.connect();
  });

  afterAll(async () => {
    await handoff?.close();
    await app?.close();
    await tap?.close();
    await pg?.end();
    await sandbox?.close().catch(() => undefined);
    await vhost?.drop();
    await database?.drop();
  });

  describe('authentication and authorisation', () => {
    it('answers 401 without, with an expired and with a badly signed JWT', async () => {
      await api(app).get(PATH).expect(401);
      const { signUserJwt } = await import('@pp/auth');
      const expired = signUserJwt({ sub: 'u', org: ORG_A, roles: ['admin'], exp: 1 }, JWT_SECRET);
      await api(app).get(PATH).auth(expired, { type: 'bearer' }).expect(401);
      const forged = signUserJwt({ sub: 'u', org: ORG_A, roles: ['admin'] }, `${JWT_SECRET}-not`);
      await api(app).get(PATH).auth(forged, { type: 'bearer' }).expect(401);
    });

    it('answers 403 without org claim, and for writes without the admin role', async () => {
      const noOrg = jwtFor(undefined);
      await api(app).get(PATH).auth(noOrg, { type: 'bearer' }).expect(403);
      const put = await api(app).put(PATH).auth(member, { type: 'bearer' }).send({ token: sandboxToken() }).expect(403);
      expect(put.body.message).toContain('admin');
      await api(app).delete(PATH).auth(member, { type: 'bearer' }).expect(403);
      await api(app).post(`${PATH}/sync`).auth(member, { type: 'bearer' }).expect(403);
      await api(app).get(`${PATH}/audit`).auth(member, { type: 'bearer' }).expect(403);
    });
  });

  it('describes its API in OpenAPI, never with the token as a readable field', async () => {
    const document = (await api(app).get('/docs/openapi.json').expect(200)).body;
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        PATH,
        `${PATH}/sync`,
        `${PATH}/audit`,
        `${PATH}/postback-url`,
        '/v1/postbacks/partnerstack/{secret}',
      ]),
    );
    expect(Object.keys(document.components.schemas.IntegrationStatusDto.properties)).toEqual(
      expect.arrayContaining(['lastRequestedSync', 'freshness', 'postbackUrl']),
    );
    expect(document.components.schemas.LastSyncDto.properties.progress).toBeDefined();
    expect(document.components.schemas.ConnectTokenDto.properties.token.writeOnly).toBe(true);
    expect(document.components.schemas.IntegrationStatusDto.properties.token).toBeUndefined();
  });

  describe('before connecting', () => {
    it('answers 404 on every endpoint that needs a connection', async () => {
      const get = await api(app).get(PATH).auth(member, { type: 'bearer' }).expect(404);
      expect(get.body.message).toMatch(/not connected/);
      await api(app).delete(PATH).auth(admin, { type: 'bearer' }).expect(404);
      await api(app).post(`${PATH}/sync`).auth(admin, { type: 'bearer' }).expect(404);
    });

    it('validates the body', async () => {
      await api(app).put(PATH).auth(admin, { type: 'bearer' }).send({}).expect(400);
      await api(app).put(PATH).auth(admin, { type: 'bearer' }).send({ token: 'has spaces inside it' }).expect(400);
      await api(app).put(PATH).auth(admin, { type: 'bearer' }).send({ token: newToken(), extra: 1 }).expect(400);
    });

    it('answers 422 and stores nothing when PartnerStack rejects the token', async () => {
      tokens.push('not_a_sandbox_token_1234');
      const response = await api(app)
        .put(PATH)
        .auth(admin, { type: 'bearer' })
        .send({ token: 'not_a_sandbox_token_1234' })
        .expect(422);
      expect(response.body.message).toMatch(/rejected this token/);
      const stored = await pg.query('select count(*)::int as n from credentials.connection_token');
      expect(stored.rows[0].n).toBe(0);
      await api(app).get(PATH).auth(admin, { type: 'bearer' }).expect(404);
    });
  });

  describe('connecting', () => {
    it('stores a valid token encrypted, answers the status and asks for a sync at once', async () => {
      currentToken = newToken();
      const response = await api(app)
        .put(PATH)
        .auth(admin, { type: 'bearer' })
        .send({ token: currentToken })
        .expect(200);
      expect(response.body).toMatchObject({
        provider: 'partnerstack',
        status: 'connected',
        tokenHint: currentToken.slice(-4),
        lastSync: null,
      });
      expect(JSON.stringify(response.body)).not.toContain(currentToken);
      postbackUrl = response.body.postbackUrl;
      expect(postbackUrl).toMatch(/^http:\/\/localhost:3001\/v1\/postbacks\/partnerstack\/[A-Za-z0-9_-]{43}$/);
      const [connected] = await tap.awaitEvents('credentials.connection.connected', ORG_A);
      connectionId = connected.parsed.payload.connectionId as string;
      expect(connected.parsed.payload).toMatchObject({
        actorUserId: 'user_admin_a',
        tokenHint: currentToken.slice(-4),
      });

      const row = await pg.query(
        'select key_id, nonce, ciphertext from credentials.connection_token where connection_id = $1',
        [connectionId],
      );
      expect(row.rows[0].key_id).toBe(KEY_V1.id);
      expect(row.rows[0].nonce).toHaveLength(12);
    });

    it('lets any member of the org read the status, the postback URL only admins', async () => {
      const response = await api(app).get(PATH).auth(member, { type: 'bearer' }).expect(200);
      expect(response.body).toMatchObject({
        status: 'connected',
        tokenHint: currentToken.slice(-4),
        postbackUrl: null,
      });
      const asAdmin = await api(app).get(PATH).auth(admin, { type: 'bearer' }).expect(200);
      expect(asAdmin.body.postbackUrl).toBe(postbackUrl);
      expect(Date.parse(response.body.nextSyncAt)).toBeGreaterThan(Date.now());
    });

    it('keeps org B away from org A', async () => {
      await api(app).get(PATH).auth(adminB, { type: 'bearer' }).expect(404);
      await api(app).delete(PATH).auth(adminB, { type: 'bearer' }).expect(404);
      await api(app).post(`${PATH}/sync`).auth(adminB, { type: 'bearer' }).expect(404);
      const audit = await api(app).get(`${PATH}/audit`).auth(adminB, { type: 'bearer' }).expect(200);
      expect(audit.body.data).toEqual([]);
      const still = await api(app).get(PATH).auth(admin, { type: 'bearer' }).expect(200);
      expect(still.body.status).toBe('connected');
      await expect(handoff.client.fetchToken({ tenantId: ORG_B, connectionId })).rejects.toMatchObject({
        name: TokenUnavailableError.name,
        reason: 'unknown',
      });
    });

    it('hands the token to the sync service only with the right key', async () => {
      await expect(handoff.client.fetchToken({ tenantId: ORG_A, connectionId })).resolves.toBe(currentToken);
      const { randomBytes } = await import('node:crypto');
      const intruder = await startHandoffClient(vhost.url, randomBytes(32).toString('base64'), app.get(PinoNestLogger));
      try {
        await expect(intruder.client.fetchToken({ tenantId: ORG_A, connectionId })).rejects.toBeInstanceOf(
          TokenHandoffTransientError,
        );
      } finally {
        await intruder.close();
      }
    });
  });

  describe('syncs', () => {
    it('answers the first sync id chosen at connect, and the same id while it is pending or running', async () => {
      const [connected] = tap.of('credentials.connection.connected', ORG_A);
      const syncRunId = connected.parsed.payload.syncRunId as string;
      expect(syncRunId).toEqual(expect.any(String));
      const first = await api(app).post(`${PATH}/sync`).auth(admin, { type: 'bearer' }).expect(202);
      expect(first.body.syncRunId).toBe(syncRunId);
      expect(tap.of('sync.requested', ORG_A)).toHaveLength(0);
      const queued = await api(app).get(PATH).auth(member, { type: 'bearer' }).expect(200);
      expect(queued.body.lastRequestedSync).toMatchObject({ syncRunId, runId: syncRunId, status: 'queued' });

      const startedAt = new Date().toISOString();
      tap.publish('sync.run.started', ORG_A, { connectionId, syncRunId, mode: 'incremental', startedAt });
      await waitFor(
        async () => (await api(app).get(PATH).auth(member, { type: 'bearer' })).body.lastSync?.status === 'running',
        { description: 'lastSync running' },
      );
      const running = await api(app).post(`${PATH}/sync`).auth(admin, { type: 'bearer' }).expect(202);
      expect(running.body.syncRunId).toBe(syncRunId);

      const progress = (reportedAt: string, pages: number) => ({
        connectionId,
        syncRunId,
        mode: 'incremental',
        reportedAt,
        streams: [
          {
            stream: 'rewards',
            status: 'running',
            tier: 'warm',
            pages,
            fetched: pages * 10,
            emitted: pages,
            removed: 0,
            estimatedPagesLeft: 3,
          },
        ],
      });
      const later = new Date(Date.now() + 2_000).toISOString();
      tap.publish('sync.run.progress', ORG_A, progress(later, 5));
      tap.publish('sync.run.progress', ORG_A, { ...progress(later, 5), syncRunId: 'some-other-run' });
      const withProgress = await waitFor(
        async () => {
          const body = (await api(app).get(PATH).auth(member, { type: 'bearer' })).body;
          return body.lastSync?.progress && body;
        },
        { description: 'progress in the status' },
      );
      expect(withProgress.lastSync.progress).toEqual({ reportedAt: later, streams: progress(later, 5).streams });
      // An older report arriving late does not replace a newer one.
      tap.publish('sync.run.progress', ORG_A, progress(startedAt, 1));
      tap.publish('sync.run.progress', ORG_A, progress(new Date(Date.now() + 3_000).toISOString(), 7));
      await waitFor(
        async () =>
          (await api(app).get(PATH).auth(member, { type: 'bearer' })).body.lastSync?.progress?.streams[0].pages === 7,
        { description: 'newer progress' },
      );

      const nextSyncAt = new Date(Date.now() + 15 * 60_000).toISOString();
      const freshness = [
        {
          stream: 'rewards',
          newRecordsAsOf: startedAt,
          warmAsOf: startedAt,
          warmWindowDays: 90,
          reconciledAt: '2026-12-01T04:10:00.000Z',
        },
      ];
      tap.publish('sync.run.finished', ORG_A, {
        connectionId,
        syncRunId,
        mode: 'incremental',
        status: 'partial',
        startedAt,
        finishedAt: new Date().toISOString(),
        recordsFetched: 42,
        recordsEmitted: 40,
        error: 'deals: unavailable',
        streams: [],
        nextSyncAt,
        freshness,
      });
      const status = await waitFor(
        async () => {
          const body = (await api(app).get(PATH).auth(member, { type: 'bearer' })).body;
          return body.lastSync?.status === 'partial' && body;
        },
        { description: 'lastSync finished' },
      );
      expect(status.lastSync).toMatchObject({ id: syncRunId, recordsFetched: 42, error: 'deals: unavailable' });
      expect(status.nextSyncAt).toBe(nextSyncAt);
      expect(status.freshness).toEqual(freshness);
      expect(status.lastRequestedSync).toMatchObject({ syncRunId, status: 'partial', finishedAt: expect.any(String) });

      const fresh = await api(app).post(`${PATH}/sync`).auth(admin, { type: 'bearer' }).expect(202);
      expect(fresh.body.syncRunId).not.toBe(syncRunId);
      const [requested] = await tap.awaitEvents('sync.requested', ORG_A);
      expect(requested.parsed.payload).toMatchObject({
        connectionId,
        syncRunId: fresh.body.syncRunId,
        reason: 'manual',
        mode: 'incremental',
      });
      const again = await api(app).post(`${PATH}/sync`).auth(admin, { type: 'bearer' }).send({}).expect(202);
      expect(again.body.syncRunId).toBe(fresh.body.syncRunId);
    });

    it('follows a requested id merged into another run, whichever event arrives first', async () => {
      const finish = (runId: string, status: string) => {
        const at = new Date().toISOString();
        tap.publish('sync.run.finished', ORG_A, {
          connectionId,
          syncRunId: runId,
          mode: 'incremental',
          status,
          startedAt: at,
          finishedAt: at,
          recordsFetched: 1,
          recordsEmitted: 1,
          error: null,
          streams: [],
          nextSyncAt: null,
        });
      };
      const requestedStatus = async () =>
        (await api(app).get(PATH).auth(member, { type: 'bearer' })).body.lastRequestedSync;

      // Merge first, then the target's outcome.
      const merged = (await api(app).post(`${PATH}/sync`).auth(admin, { type: 'bearer' }).expect(202)).body.syncRunId;
      tap.publish('sync.run.merged', ORG_A, {
        connectionId,
        syncRunId: merged,
        mergedIntoSyncRunId: 'scheduled-run-1',
        mergedAt: new Date().toISOString(),
      });
      await waitFor(async () => (await requestedStatus())?.runId === 'scheduled-run-1', { description: 'merged' });
      expect(await requestedStatus()).toMatchObject({ syncRunId: merged, status: 'queued' });
      finish('scheduled-run-1', 'succeeded');
      await waitFor(async () => (await requestedStatus())?.status === 'succeeded', { description: 'target finished' });

      // The target's outcome first, then the merge: the request still settles.
      const late = (await api(app).post(`${PATH}/sync`).auth(admin, { type: 'bearer' }).expect(202)).body.syncRunId;
      expect(late).not.toBe(merged);
      finish('scheduled-run-2', 'failed');
      await waitFor(
        async () => (await api(app).get(PATH).auth(member, { type: 'bearer' })).body.lastSync?.id === 'scheduled-run-2',
        { description: 'run 2 finished' },
      );
      tap.publish('sync.run.merged', ORG_A, {
        connectionId,
        syncRunId: late,
        mergedIntoSyncRunId: 'scheduled-run-2',
        mergedAt: new Date().toISOString(),
      });
      const settled = await waitFor(
        async () => {
          const body = await requestedStatus();
          return body?.status === 'failed' && body;
        },
        { description: 'late merge settled' },
      );
      expect(settled).toMatchObject({ syncRunId: late, runId: 'scheduled-run-2', finishedAt: expect.any(String) });
      const next = (await api(app).post(`${PATH}/sync`).auth(admin, { type: 'bearer' }).expect(202)).body.syncRunId;
      expect(next).not.toBe(late);
    });

    it('validates the sync mode', async () => {
      const response = await api(app)
        .post(`${PATH}/sync`)
        .auth(admin, { type: 'bearer' })
        .send({ mode: 'everything' })
        .expect(400);
      expect(JSON.stringify(response.body.message)).toMatch(/mode must be one of: incremental, full/);
      await api(app).post(`${PATH}/sync`).auth(admin, { type: 'bearer' }).send({ mode: 'full', extra: 1 }).expect(400);
    });

    it('runs a full sync at most once an hour (429 with Retry-After), even while an incremental one is pending', async () => {
      const before = tap.of('sync.requested', ORG_A).length;
      const full = await api(app)
        .post(`${PATH}/sync`)
        .auth(admin, { type: 'bearer' })
        .send({ mode: 'full' })
        .expect(202);
      const requested = await waitFor(
        () => tap.of('sync.requested', ORG_A).find((m) => m.parsed.payload.syncRunId === full.body.syncRunId),
        { description: 'full sync.requested' },
      );
      expect(requested.parsed.payload).toMatchObject({ mode: 'full', reason: 'manual', connectionId });
      const doubleClick = await api(app)
        .post(`${PATH}/sync`)
        .auth(admin, { type: 'bearer' })
        .send({ mode: 'full' })
        .expect(202);
      expect(doubleClick.body.syncRunId).toBe(full.body.syncRunId);
      expect(tap.of('sync.requested', ORG_A)).toHaveLength(before + 1);

      const at = new Date().toISOString();
      tap.publish('sync.run.started', ORG_A, {
        connectionId,
        syncRunId: full.body.syncRunId,
        mode: 'full',
        startedAt: at,
      });
      await waitFor(
        async () =>
          (await api(app).get(PATH).auth(member, { type: 'bearer' })).body.lastRequestedSync?.status === 'running',
        { description: 'full run started' },
      );
      const limited = await api(app).post(`${PATH}/sync`).auth(admin, { type: 'bearer' }).send({ mode: 'full' });
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(3_500);
      expect(retryAfter).toBeLessThanOrEqual(3_600);
      expect(Date.parse(limited.body.retryAt)).toBeGreaterThan(Date.now() + 3_500_000);
      expect(limited.body.message).toContain(limited.body.retryAt);
      const audit = await api(app).get(`${PATH}/audit`).auth(admin, { type: 'bearer' }).expect(200);
      expect(audit.body.data.map((entry: { detail: string | null }) => entry.detail)).toContain(
        `full sync run ${full.body.syncRunId}`,
      );
      tap.publish('sync.run.finished', ORG_A, {
        connectionId,
        syncRunId: full.body.syncRunId,
        mode: 'full',
        status: 'succeeded',
        startedAt: at,
        finishedAt: new Date().toISOString(),
        recordsFetched: 0,
        recordsEmitted: 0,
        error: null,
        streams: [],
        nextSyncAt: null,
      });
      await waitFor(
        async () =>
          (await api(app).get(PATH).auth(member, { type: 'bearer' })).body.lastRequestedSync?.status === 'succeeded',
        { description: 'full run finished' },
      );
    });

    it('learns from sync that PartnerStack revoked the token, and stops handing it out', async () => {
      tap.publish('sync.connection.invalid', ORG_A, {
        connectionId,
        syncRunId: 'run-x',
        reason: 'PartnerStack answered 401',
        detectedAt: new Date().toISOString(),
      });
      await waitFor(() => tap.of('credentials.connection.status-changed', ORG_A).length, {
        description: 'status-changed published',
      });
      const status = await api(app).get(PATH).auth(member, { type: 'bearer' }).expect(200);
      expect(status.body).toMatchObject({ status: 'invalid', nextSyncAt: null });
      await expect(handoff.client.fetchToken({ tenantId: ORG_A, connectionId })).rejects.toMatchObject({
        reason: 'invalid',
      });
      await api(app).post(`${PATH}/sync`).auth(admin, { type: 'bearer' }).expect(409);
    });

    it('rotates to a new token, keeping the connection', async () => {
      currentToken = newToken();
      const response = await api(app)
        .put(PATH)
        .auth(admin, { type: 'bearer' })
        .send({ token: currentToken })
        .expect(200);
      expect(response.body).toMatchObject({ status: 'connected', tokenHint: currentToken.slice(-4) });
      const [rotated] = await tap.awaitEvents('credentials.connection.rotated', ORG_A);
      expect(rotated.parsed.payload.connectionId).toBe(connectionId);
      expect(rotated.parsed.payload.syncRunId).toEqual(expect.any(String));
      expect(response.body.postbackUrl).toBe(postbackUrl);
      await expect(handoff.client.fetchToken({ tenantId: ORG_A, connectionId })).resolves.toBe(currentToken);
    });
  });

  describe('abuse and audit', () => {
    it('limits token attempts per org (429), without affecting other orgs', async () => {
      const orgC = jwtFor(ORG_C);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 21; attempt++) {
        const token = `wrong_token_${attempt}_abcdef`;
        tokens.push(token);
        statuses.push((await api(app).put(PATH).auth(orgC, { type: 'bearer' }).send({ token })).status);
      }
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
      expect(statuses.every((status) => status === 422 || status === 429)).toBe(true);
      const limited = await api(app).put(PATH).auth(orgC, { type: 'bearer' }).send({ token: 'wrong_token_last_0000' });
      tokens.push('wrong_token_last_0000');
      expect(limited.status).toBe(429);
      expect(limited.body.message).toMatch(/Too many token attempts/);
      await api(app).get(PATH).auth(admin, { type: 'bearer' }).expect(200);
    });

    it('shows org admins who did what, never the token', async () => {
      const response = await api(app)
        .get(`${PATH}/audit`)
        .auth(admin, { type: 'bearer' })
        .query({ limit: 3 })
        .expect(200);
      expect(response.body.data).toHaveLength(3);
      expect(response.body.nextCursor).toEqual(expect.any(String));
      const all = await api(app).get(`${PATH}/audit`).auth(admin, { type: 'bearer' }).query({ limit: 500 }).expect(200);
      const actions = all.body.data.map((entry: { action: string }) => entry.action);
      expect(actions).toEqual(expect.arrayContaining(['connected', 'rotated', 'sync-requested', 'status-changed']));
      const connected = all.body.data.find((entry: { action: string }) => entry.action === 'connected');
      expect(connected).toMatchObject({ actorUserId: 'user_admin_a' });
      for (const token of tokens) expect(JSON.stringify(all.body)).not.toContain(token);
    });
  });

  describe('storage', () => {
    it('refuses to hand out a token whose ciphertext was altered', async () => {
      const original = await pg.query('select ciphertext from credentials.connection_token where connection_id = $1', [
        connectionId,
      ]);
      await pg.query(
        `update credentials.connection_token set ciphertext = overlay(ciphertext placing '\\x00'::bytea from 1 for 1)
         where connection_id = $1`,
        [connectionId],
      );
      await expect(handoff.client.fetchToken({ tenantId: ORG_A, connectionId })).rejects.toBeInstanceOf(
        TokenHandoffTransientError,
      );
      await pg.query('update credentials.connection_token set ciphertext = $1 where connection_id = $2', [
        original.rows[0].ciphertext,
        connectionId,
      ]);
      await expect(handoff.client.fetchToken({ tenantId: ORG_A, connectionId })).resolves.toBe(currentToken);
    });

    it('re-encrypts every token under a new key so the old one can be retired', async () => {
      const key = (entry: typeof KEY_V1) => ({ id: entry.id, key: Buffer.from(entry.material, 'base64') });
      const rotatedCipher = new TokenCipher([key(KEY_V2), key(KEY_V1)]);
      const report = await reencryptStoredTokens(database.url, rotatedCipher);
      // The token and the postback secret.
      expect(report).toMatchObject({ reencrypted: 2, failed: [] });
      const left = await pg.query('select count(*)::int as n from credentials.connection_token where key_id <> $1', [
        KEY_V2.id,
      ]);
      expect(left.rows[0].n).toBe(0);
      const row = await pg.query(
        'select tenant_id, key_id as "keyId", nonce, ciphertext from credentials.connection_token where connection_id = $1',
        [connectionId],
      );
      expect(new TokenCipher([key(KEY_V2)]).decrypt(row.rows[0], { tenantId: ORG_A, connectionId })).toBe(currentToken);
      expect(await reencryptStoredTokens(database.url, rotatedCipher)).toMatchObject({
        reencrypted: 0,
        alreadyCurrent: 2,
      });
      const secret = await pg.query(
        'select key_id as "keyId", nonce, ciphertext from credentials.postback_secret where connection_id = $1',
        [connectionId],
      );
      expect(secret.rows[0].keyId).toBe(KEY_V2.id);
      expect(
        new TokenCipher([key(KEY_V2)]).decrypt(secret.rows[0], { tenantId: ORG_A, connectionId }, 'postback-secret'),
      ).toBe(postbackUrl.split('/').pop());
    });
  });

  describe('disconnecting', () => {
    it('answers 503 and stores nothing while PartnerStack is unreachable', async () => {
      await sandbox!.close();
      sandbox = undefined;
      const response = await api(app).put(PATH).auth(admin, { type: 'bearer' }).send({ token: newToken() }).expect(503);
      expect(response.body.message).toMatch(/nothing was stored/);
      const status = await api(app).get(PATH).auth(admin, { type: 'bearer' }).expect(200);
      expect(status.body.tokenHint).toBe(currentToken.slice(-4));
    });

    it('destroys the token, publishes disconnected and stops further sync requests', async () => {
      await api(app).delete(PATH).auth(admin, { type: 'bearer' }).expect(204);
      await waitFor(() => tap.of('credentials.connection.disconnected', ORG_A).length, { description: 'disconnected' });
      const stored = await pg.query(
        'select count(*)::int as n from credentials.connection_token where connection_id = $1',
        [connectionId],
      );
      expect(stored.rows[0].n).toBe(0);
      const status = await api(app).get(PATH).auth(member, { type: 'bearer' }).expect(200);
      expect(status.body).toMatchObject({ status: 'disconnected', tokenHint: null, nextSyncAt: null });
      expect(status.body.lastSync).not.toBeNull();
      await expect(handoff.client.fetchToken({ tenantId: ORG_A, connectionId })).rejects.toMatchObject({
        reason: 'disconnected',
      });
      const requestsBefore = tap.of('sync.requested', ORG_A).length;
      await api(app).post(`${PATH}/sync`).auth(admin, { type: 'bearer' }).expect(409);
      await api(app).delete(PATH).auth(admin, { type: 'bearer' }).expect(204);
      expect(tap.of('sync.requested', ORG_A)).toHaveLength(requestsBefore);
      expect(tap.of('credentials.connection.disconnected', ORG_A)).toHaveLength(1);
    });
  });

  describe('no plaintext token anywhere', () => {
    it('finds no token in the tables, their files, the logs or the published messages', async () => {
      expect(tokens.length).toBeGreaterThan(20);
      const secrets = [
        ...tokens.flatMap((token) => [token, token.replace(/^sandbox_/, '')]),
        postbackUrl.split('/').pop()!,
      ];
      const found = (haystack: string) => secrets.filter((secret) => haystack.includes(secret));

      const tables = [
        'connection',
        'connection_token',
        'audit_event',
        'rate_limit_window',
        'sync_request',
        'postback_secret',
        'action_cooldown',
      ];
      for (const table of tables) {
        const dump = await pg.query(`select t::text as row from credentials.${table} t`);
        expect(found(dump.rows.map((row) => row.row).join('\n'))).toEqual([]);
      }

      await pg.query('checkpoint');
      const dataDirectory = (await pg.query('show data_directory')).rows[0].data_directory as string;
      const files: string[] = [];
      for (const table of tables) {
        const path = (await pg.query(`select pg_relation_filepath('credentials.${table}') as path`)).rows[0].path;
        files.push(join(dataDirectory, path));
      }
      const readable = files.filter((file) => existsSync(file));
      for (const file of readable) expect(found(readFileSync(file).toString('latin1'))).toEqual([]);

      expect(logLines.length).toBeGreaterThan(10);
      expect(logLines.join('').includes('Handed the token')).toBe(true);
      expect(found(logLines.join(''))).toEqual([]);

      expect(tap.messages.length).toBeGreaterThan(5);
      expect(found(tap.messages.map((message) => message.body).join('\n'))).toEqual([]);
      // Table files are only reachable when PostgreSQL runs on this machine (it does in development and CI).
      if (existsSync(dataDirectory)) expect(readable).toHaveLength(files.length);
    });
  });
});
