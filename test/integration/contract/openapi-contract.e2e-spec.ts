import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { OpenAPIObject } from '@nestjs/swagger';

import { buildOpenApiDocument, PUBLISHED_APIS, serializeDocument } from '../../../scripts/openapi-documents';

const root = join(__dirname, '../../..');
const committed = (name: string) => readFileSync(join(__dirname, '../../../openapi', `${name}.json`), 'utf8');

describe('the committed OpenAPI documents', () => {
  it.each(PUBLISHED_APIS.map((api) => [api.name, api] as const))(
    'openapi/%s.json is what the code declares (run `npm run openapi:generate` and commit it)',
    async (_name, api) => {
      const generated = serializeDocument(await buildOpenApiDocument(api));
      expect(JSON.parse(generated)).toEqual(JSON.parse(committed(api.name)));
      expect(generated).toBe(committed(api.name));
    },
  );

  it('gives every error response of every operation the problem-details schema', async () => {
    for (const api of PUBLISHED_APIS) {
      const document = JSON.parse(committed(api.name)) as {
        paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
      };
      for (const [path, item] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          for (const [status, response] of Object.entries(operation.responses)) {
            if (Number(status) < 400) continue;
            expect({ api: api.name, path, method, status, types: Object.keys(response.content ?? {}) }).toEqual({
              api: api.name,
              path,
              method,
              status,
              types: ['application/problem+json'],
            });
          }
        }
      }
    }
  });

  it('the typed client in libs/api-client is generated from the committed documents', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'pp-api-client-'));
    try {
      execFileSync('node', [join(root, 'scripts/generate-api-client.mjs'), '--out', scratch], {
        cwd: root,
        stdio: 'pipe',
      });
      for (const api of PUBLISHED_APIS) {
        const fresh = readFileSync(join(scratch, `${api.name}.ts`), 'utf8');
        expect(fresh).toBe(readFileSync(join(root, 'libs/api-client/src/generated', `${api.name}.ts`), 'utf8'));
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  'x-extensible-enum'?: unknown[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
}

interface MediaType {
  schema?: Schema;
}

interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
  requestBody?: { content?: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType> }>;
}

type Document = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };

const operationsOf = (document: Document) =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ where: `${method.toUpperCase()} ${path}`, operation })),
  );

/** Every schema the document holds (components, bodies, responses, parameters) with where it sits, nested ones included. */
function* schemasOf(document: Document): Generator<{ where: string; schema: Schema }> {
  const roots: Array<{ where: string; schema: Schema }> = Object.entries(document.components?.schemas ?? {}).map(
    ([name, schema]) => ({ where: `#/components/schemas/${name}`, schema }),
  );
  for (const { where, operation } of operationsOf(document)) {
    for (const parameter of operation.parameters ?? []) {
      if (parameter.schema) roots.push({ where: `${where} parameter ${parameter.name}`, schema: parameter.schema });
    }
    for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
      if (media.schema) roots.push({ where: `${where} body ${type}`, schema: media.schema });
    }
    for (const [status, response] of Object.entries(operation.responses)) {
      for (const [type, media] of Object.entries(response.content ?? {})) {
        if (media.schema) roots.push({ where: `${where} ${status} ${type}`, schema: media.schema });
      }
    }
  }
  const pending = [...roots];
  while (pending.length > 0) {
    const next = pending.pop()!;
    yield next;
    const { where, schema } = next;
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      pending.push({ where: `${where}.${name}`, schema: property });
    }
    if (schema.items) pending.push({ where: `${where}[]`, schema: schema.items });
    if (typeof schema.additionalProperties === 'object') {
      pending.push({ where: `${where}{}`, schema: schema.additionalProperties });
    }
    for (const combinator of ['allOf', 'oneOf', 'anyOf'] as const) {
      (schema[combinator] ?? []).forEach((member, index) =>
        pending.push({ where: `${where}.${combinator}[${index}]`, schema: member }),
      );
    }
  }
}

const STATUS_LIKE = /^(status|mode|tier|kind|groupBy)$|(Status|Mode)$/;
const NOT_A_STRING = new Set(['object', 'array', 'integer', 'number', 'boolean']);

/** The schema that carries the values: an array's items; undefined when those values are objects or numbers. */
function valueSchema(schema: Schema): Schema | undefined {
  const values = schema.type === 'array' && schema.items ? schema.items : schema;
  if (values.$ref || values.allOf || (values.type && NOT_A_STRING.has(values.type))) return undefined;
  return values;
}

const hasEnum = (schema: Schema): boolean =>
  Array.isArray(schema.enum) ||
  Array.isArray(schema['x-extensible-enum']) ||
  [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].some((member) => Array.isArray(member.enum));

/** Lists answer `{ data: [...], nextCursor }`; the reporting contract serves each of them as CSV too. */
function isList(document: Document, operation: Operation): boolean {
  let schema = operation.responses['200']?.content?.['application/json']?.schema;
  if (schema?.$ref) schema = document.components?.schemas?.[schema.$ref.split('/').pop()!];
  return schema?.properties?.data?.type === 'array' && schema.properties.nextCursor !== undefined;
}

describe('the OpenAPI documents describe every response and every value set', () => {
  const documents: Array<{ name: string; document: Document }> = [];

  beforeAll(async () => {
    for (const api of PUBLISHED_APIS) {
      const document: OpenAPIObject = await buildOpenApiDocument(api);
      documents.push({ name: api.name, document: JSON.parse(JSON.stringify(document)) as Document });
    }
  });

  it('gives every 2xx body a schema (204 has none; a 202 may have none, but not a body without a schema)', () => {
    const gaps: string[] = [];
    for (const { name, document } of documents) {
      for (const { where, operation } of operationsOf(document)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (!/^2\d\d$/.test(status)) continue;
          const content = Object.entries(response.content ?? {});
          if (status === '204') {
            if (content.length > 0) gaps.push(`${name} ${where} ${status}: a 204 has no body`);
            continue;
          }
          if (content.length === 0 && status !== '202') gaps.push(`${name} ${where} ${status}: no content`);
          for (const [type, media] of content) {
            if (!media.schema) gaps.push(`${name} ${where} ${status} ${type}: no schema`);
          }
        }
      }
    }
    expect(gaps).toEqual([]);
  });

  it('types every object and array: no bare `object`, no free-form properties, no array without items', () => {
    const untyped: string[] = [];
    for (const { name, document } of documents) {
      for (const { where, schema } of schemasOf(document)) {
        const composed = schema.$ref || schema.allOf || schema.oneOf || schema.anyOf;
        if (composed) continue;
        if (schema.type === 'array' && !schema.items) untyped.push(`${name} ${where}: array without items`);
        if (schema.additionalProperties === true) untyped.push(`${name} ${where}: free-form properties`);
        if (schema.type === 'object' && !schema.properties && typeof schema.additionalProperties !== 'object') {
          untyped.push(`${name} ${where}: object without properties`);
        }
        if (Object.keys(schema).length === 0) untyped.push(`${name} ${where}: empty schema`);
      }
    }
    expect(untyped).toEqual([]);
  });

  it('gives every status, mode, tier, kind and groupBy value an enum (x-extensible-enum where the set is open)', () => {
    const open: string[] = [];
    for (const { name, document } of documents) {
      for (const { where, schema } of schemasOf(document)) {
        for (const [property, propertySchema] of Object.entries(schema.properties ?? {})) {
          if (!STATUS_LIKE.test(property)) continue;
          const values = valueSchema(propertySchema);
          if (values && !hasEnum(values)) open.push(`${name} ${where}.${property}`);
        }
      }
    }
    expect(open).toEqual([]);
  });

  it('gives every status-like query filter its values, but where the values are free text or the filter does not apply', () => {
    // Deals filter `status` on PartnerStack's stage, free text per vendor group; transactions and missed rewards
    // have no status, and answer 400 to the shared `status` parameter of ListQueryDto.
    const exempt = ['GET /v1/deals status', 'GET /v1/transactions status', 'GET /v1/reports/missed-rewards status'];
    const open: string[] = [];
    for (const { name, document } of documents) {
      for (const { where, operation } of operationsOf(document)) {
        for (const parameter of operation.parameters ?? []) {
          if (parameter.in !== 'query' || !STATUS_LIKE.test(parameter.name)) continue;
          if (exempt.includes(`${where} ${parameter.name}`)) continue;
          const values = parameter.schema && valueSchema(parameter.schema);
          if (!values || !hasEnum(values)) open.push(`${name} ${where} ${parameter.name}`);
        }
      }
    }
    expect(open).toEqual([]);
  });

  it('never requires an Accept header: JSON is the default, CSV is asked for', () => {
    const required = documents.flatMap(({ name, document }) =>
      operationsOf(document)
        .filter(({ operation }) =>
          (operation.parameters ?? []).some(
            (parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'accept' && parameter.required,
          ),
        )
        .map(({ where }) => `${name} ${where}`),
    );
    expect(required).toEqual([]);
  });

  it('offers every reporting list as text/csv, a string, beside its JSON page', () => {
    const { document } = documents.find(({ name }) => name === 'reporting')!;
    const lists = operationsOf(document).filter(({ operation }) => isList(document, operation));
    expect(lists.map(({ where }) => where)).toEqual(
      expect.arrayContaining(['GET /v1/referrals', 'GET /v1/sync-runs', 'GET /v1/reports/missed-rewards']),
    );
    const withoutCsv = lists
      .filter(({ operation }) => operation.responses['200'].content?.['text/csv']?.schema?.type !== 'string')
      .map(({ where }) => where);
    expect(withoutCsv).toEqual([]);
  });
});
