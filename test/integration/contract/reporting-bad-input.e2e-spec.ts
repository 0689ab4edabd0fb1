import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import request from 'supertest';

import { uniqueName } from '@pp/testing';

import { ReportingHarness, startReporting } from '../reporting/reporting-app';
import { seedOrgA } from '../reporting/reporting-fixture';

interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  schema?: { type?: string; format?: string; enum?: string[] };
}

const spec = JSON.parse(readFileSync(join(__dirname, '../../../openapi/reporting.json'), 'utf8')) as {
  paths: Record<string, { get?: { parameters?: Parameter[] } }>;
};

const encodeCursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Values no parameter of its kind may accept; each must be refused with a 4xx problem, never reach PostgreSQL as a 500. */
const BAD_VALUES: Record<string, string[]> = {
  limit: ['0', '-1', '1e309', 'abc', '99999999999999999999', '10.5'],
  from: ['not-a-date', '9999-12-31', '0000-01-01', '2026-02-30', '2026-13-01', '+275760-09-13'],
  to: ['not-a-date', '9999-12-31', '-000001-01-01', '2026-02-30'],
  cursor: [
    'garbage',
    encodeCursor({ v: 'x', id: 'not-a-uuid' }),
    encodeCursor({ s: 'createdAt', v: '9999-99-99', id: '00000000-0000-0000-0000-000000000000' }),
    // A number JSON can write but no double can hold.
    Buffer.from('["a",1e400]').toString('base64url'),
    'a'.repeat(5000),
  ],
  programId: ['not-a-uuid', "'; drop table x; --", '00000000-0000-0000-0000-00000000000g'],
  includeRemoved: ['maybe', '2'],
  refunded: ['maybe'],
  sort: ['nonsense', '--createdAt', 'createdAt;drop'],
  groupBy: ['nonsense', ''],
  reason: ['nonsense'],
};
/** Any string parameter: a NUL character (PostgreSQL text cannot hold one) and an absurd length. */
const STRING_BAD_VALUES = ['a\u0000b', 'x'.repeat(10_000)];
const BAD_IDS = ['not-a-uuid', 'x'.repeat(1000), '%00', "1' or '1'='1"];

interface Case {
  path: string;
  query: Record<string, string>;
  label: string;
}

function casesFor(path: string, parameters: Parameter[]): Case[] {
  const cases: Case[] = [];
  const concrete = path.replace('{id}', '00000000-0000-4000-8000-000000000000');
  for (const parameter of parameters) {
    if (parameter.in === 'path') {
      for (const id of BAD_IDS)
        cases.push({
          path: path.replace('{id}', encodeURIComponent(id)),
          query: {},
          label: `${path} id=${id.slice(0, 20)}`,
        });
      continue;
    }
    if (parameter.in !== 'query') continue;
    const values = [...(BAD_VALUES[parameter.name] ?? [])];
    if (parameter.schema?.type === 'string' && !['sort', 'groupBy', 'reason'].includes(parameter.name))
      values.push(...STRING_BAD_VALUES);
    for (const value of values)
      cases.push({
        path: concrete,
        query: { [parameter.name]: value },
        label: `${path} ${parameter.name}=${value.slice(0, 20)}`,
      });
  }
  return cases;
}

const CASES = Object.entries(spec.paths).flatMap(([path, item]) =>
  item.get ? casesFor(path, item.get.parameters ?? []) : [],
);

describe('reporting refuses bad input with a 4xx problem, on every endpoint of its spec', () => {
  let harness: ReportingHarness;
  let token: string;
  const org = uniqueName('org_bad_input');

  beforeAll(async () => {
    harness = await startReporting();
    await seedOrgA(harness.admin, org);
    token = harness.tokenFor(org);
  });
  afterAll(() => harness?.close());

  it('covers every GET operation of the spec', () => {
    const covered = new Set(CASES.map((item) => item.label.split(' ')[0]));
    expect([...covered].sort()).toEqual(Object.keys(spec.paths).sort());
  });

  it.each(CASES.map((item) => [item.label, item] as const))('%s', async (_label, { path, query }) => {
    const response = await request(harness.app.getHttpServer())
      .get(path)
      .query(query)
      .set('Authorization', `Bearer ${token}`);
    const answer = {
      status: response.status,
      clientError: response.status >= 400 && response.status < 500,
      type: response.headers['content-type'],
    };
    expect(answer).toEqual({
      status: answer.status,
      clientError: true,
      type: expect.stringMatching(/^application\/problem\+json/),
    });
    expect(response.body).toMatchObject({ status: response.status, type: expect.stringMatching(/^urn:/) });
  });

  it.each([
    ['no token', undefined],
    ['a malformed header', 'Bearer'],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a token of garbage', 'Bearer a.b.c'],
  ])('answers 401 with a problem for %s', async (_label, authorization) => {
    const call = request(harness.app.getHttpServer()).get('/v1/summary');
    const response = await (authorization ? call.set('Authorization', authorization) : call);
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
