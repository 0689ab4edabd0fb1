import { INestApplication } from '@nestjs/common';
import { Client } from 'pg';

import { signUserJwt } from '@pp/auth';
import { createTestDatabase, createTestVhost } from '@pp/testing';

import { RunningSandbox, startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';
import {
  api,
  JWT_SECRET,
  jwtFor,
  sandboxToken,
  startCredentialsApp,
  useCredentialsEnvironment,
} from '../credentials/credentials-harness';

const ORG = 'org_bad_input';
const BASE = '/v1/integrations/partnerstack';

interface BadRequest {
  label: string;
  method: 'get' | 'put' | 'post' | 'delete';
  path: string;
  contentType?: string;
  body?: string | Buffer;
  query?: Record<string, string>;
  authorization?: string;
}

const json = (value: unknown) => JSON.stringify(value);

const CASES: BadRequest[] = [
  { label: 'PUT without a body', method: 'put', path: BASE, contentType: 'application/json', body: '{}' },
  {
    label: 'PUT with a token of the wrong type',
    method: 'put',
    path: BASE,
    contentType: 'application/json',
    body: json({ token: 42 }),
  },
  {
    label: 'PUT with an empty token',
    method: 'put',
    path: BASE,
    contentType: 'application/json',
    body: json({ token: '' }),
  },
  {
    label: 'PUT with a NUL in the token',
    method: 'put',
    path: BASE,
    contentType: 'application/json',
    body: json({ token: 'sandbox_a\u0000b' }),
  },
  {
    label: 'PUT with a token far too long',
    method: 'put',
    path: BASE,
    contentType: 'application/json',
    body: json({ token: 'x'.repeat(20_000) }),
  },
  {
    label: 'PUT with an unknown field',
    method: 'put',
    path: BASE,
    contentType: 'application/json',
    body: json({ token: 'sandbox_x', admin: true }),
  },
  { label: 'PUT with malformed JSON', method: 'put', path: BASE, contentType: 'application/json', body: '{"token": ' },
  { label: 'PUT with a JSON array', method: 'put', path: BASE, contentType: 'application/json', body: '[]' },
  {
    label: 'PUT as a form',
    method: 'put',
    path: BASE,
    contentType: 'application/x-www-form-urlencoded',
    body: 'token=sandbox_x',
  },
  { label: 'PUT as plain text', method: 'put', path: BASE, contentType: 'text/plain', body: 'sandbox_x' },
  {
    label: 'PUT with a body too large',
    method: 'put',
    path: BASE,
    contentType: 'application/json',
    body: json({ token: 'x'.repeat(2_000_000) }),
  },
  {
    label: 'POST sync with an unknown mode',
    method: 'post',
    path: `${BASE}/sync`,
    contentType: 'application/json',
    body: json({ mode: 'everything' }),
  },
  {
    label: 'POST sync with a NUL in the mode',
    method: 'post',
    path: `${BASE}/sync`,
    contentType: 'application/json',
    body: json({ mode: 'full\u0000' }),
  },
  { label: 'POST sync as plain text', method: 'post', path: `${BASE}/sync`, contentType: 'text/plain', body: 'full' },
  { label: 'GET audit with limit 0', method: 'get', path: `${BASE}/audit`, query: { limit: '0' } },
  {
    label: 'GET audit with a huge limit',
    method: 'get',
    path: `${BASE}/audit`,
    query: { limit: '99999999999999999999' },
  },
  {
    label: 'GET audit with a cursor beyond bigint',
    method: 'get',
    path: `${BASE}/audit`,
    query: { cursor: '99999999999999999999999' },
  },
  { label: 'GET audit with a negative cursor', method: 'get', path: `${BASE}/audit`, query: { cursor: '-1' } },
  { label: 'GET audit with a cursor of garbage', method: 'get', path: `${BASE}/audit`, query: { cursor: 'abc\u0000' } },
  {
    label: 'GET status with a syncRunId of garbage',
    method: 'get',
    path: BASE,
    query: { syncRunId: 'x'.repeat(5000) },
  },
  { label: 'GET status with a NUL in syncRunId', method: 'get', path: BASE, query: { syncRunId: 'run\u0000' } },
  { label: 'a token without exp', method: 'get', path: BASE, authorization: `Bearer ${noExpiry()}` },
  {
    label: 'a token of another secret',
    method: 'get',
    path: BASE,
    authorization: `Bearer ${signUserJwt({ sub: 'u', org: ORG, roles: ['admin'] }, 'another-secret-0123456789abcdef0123')}`,
  },
  {
    label: 'a token living a year',
    method: 'get',
    path: BASE,
    authorization: `Bearer ${signUserJwt({ sub: 'u', org: ORG, roles: ['admin'] }, JWT_SECRET, { expiresInSeconds: 365 * 86_400 })}`,
  },
  {
    label: 'a postback secret of garbage',
    method: 'post',
    path: '/v1/postbacks/partnerstack/not-a-secret',
    contentType: 'application/json',
    body: '{}',
  },
  {
    label: 'a postback secret with a NUL',
    method: 'post',
    path: '/v1/postbacks/partnerstack/%00',
    contentType: 'application/json',
    body: '{}',
  },
];

function noExpiry(): string {
  return signUserJwt({ sub: 'u', org: ORG, roles: ['admin'], exp: undefined }, JWT_SECRET);
}

describe('credentials refuses bad input with a 4xx problem and stores nothing', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let sandbox: RunningSandbox;
  let app: INestApplication;
  let pg: Client;
  const admin = () => `Bearer ${jwtFor(ORG)}`;

  const storedRows = async () => {
    const { rows } = await pg.query<{ table: string; rows: number }>(
      `select 'connection' as table, count(*)::int as rows from credentials.connection
       union all select 'connection_token', count(*)::int from credentials.connection_token
       union all select 'audit_event', count(*)::int from credentials.audit_event`,
    );
    return rows;
  };

  beforeAll(async () => {
    [database, vhost, sandbox] = await Promise.all([
      createTestDatabase('pp_cred_bad'),
      createTestVhost('pp_cred_bad'),
      startSandbox({ defaultRecords: 5 }),
    ]);
    useCredentialsEnvironment(
      { databaseUrl: database.url, amqpUrl: vhost.url, sandboxUrl: sandbox.baseUrl },
      {
        LOG_LEVEL: 'warn',
      },
    );
    app = await startCredentialsApp([]);
    pg = new Client({ connectionString: database.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await app?.close();
    await sandbox?.close();
    await Promise.all([database?.drop(), vhost?.drop()]);
  });

  it.each(CASES.map((item) => [item.label, item] as const))('%s', async (_label, item) => {
    const before = await storedRows();
    let call = api(app)
      [item.method](item.path)
      .set('Authorization', item.authorization ?? admin());
    if (item.query) call = call.query(item.query);
    if (item.contentType) call = call.set('Content-Type', item.contentType);
    const response = await (item.body === undefined ? call : call.send(item.body));
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: response.status, type: expect.stringMatching(/^urn:/) });
    expect(await storedRows()).toEqual(before);
  });

  it('still connects with a good request, so the refusals above were about the input', async () => {
    const response = await api(app).put(BASE).set('Authorization', admin()).send({ token: sandboxToken() });
    expect(response.status).toBe(200);
  });
});
