import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { inspect } from 'node:util';

import { PartnerStackClient } from './partnerstack.client';
import {
  PartnerStackBadRequestError,
  PartnerStackInvalidRecordError,
  PartnerStackRateLimitedError,
  PartnerStackUpstreamError,
} from './partnerstack.errors';
import type { RequestEvent } from './partnerstack.types';

type Reply = (request: IncomingMessage, response: ServerResponse) => void;

const TOKEN = 'sandbox_unit_Secret42';
const page = (items: unknown[], hasMore = false) => JSON.stringify({ data: { items, has_more: hasMore }, status: 200 });

describe(PartnerStackClient.name, () => {
  let server: Server;
  let replies: Reply[];
  let seen: IncomingMessage[];
  let baseUrl: string;
  let events: RequestEvent[];

  const client = (maxAttempts = 4) =>
    PartnerStackClient.create({
      baseUrl,
      maxAttempts,
      backoffBaseMs: 5,
      backoffCapMs: 50,
      timeoutMs: 300,
      requestsPerMinute: 60_000,
      onRequest: (event) => events.push(event),
    });

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request);
      const reply = replies.shift() ?? ((_, res: ServerResponse) => res.writeHead(500).end('{}'));
      reply(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`;
  });

  beforeEach(() => {
    replies = [];
    seen = [];
    events = [];
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const json =
    (status: number, body: string, headers: Record<string, string> = {}): Reply =>
    (_, response) =>
      response.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(body);

  it('sends the token as a Bearer header with the filters, and returns the page', async () => {
    replies.push(json(200, page([{ key: 'rwrd_1', amount: 5 }], true)));
    const result = await client().listRewards(TOKEN, { status: 'pending', min_created: 5, limit: 3 });
    expect(result).toEqual({ items: [{ key: 'rwrd_1', amount: 5 }], hasMore: true });
    expect(seen[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[0].url).toBe('/api/v2/rewards?status=pending&min_created=5&limit=3');
  });

  it('retries malformed bodies, 5xx and resets, then succeeds', async () => {
    replies.push(json(200, '{"data": {"items": ['));
    replies.push(json(503, '{"message":"Service Unavailable","status":503}'));
    replies.push((request) => request.socket.destroy());
    replies.push(json(200, page([{ key: 'cus_1' }])));
    const result = await client().listPage(TOKEN, 'customers');
    expect(result.items).toEqual([{ key: 'cus_1' }]);
    expect(events.map((event) => event.status)).toEqual([200, 503, null, 200]);
  });

  it('honours Retry-After on 429 and gives up with a typed error after the bounded attempts', async () => {
    for (let i = 0; i < 3; i++)
      replies.push(json(429, '{"message":"Too many requests","status":429}', { 'Retry-After': '0' }));
    const error = await client(3)
      .listPage(TOKEN, 'payouts')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PartnerStackRateLimitedError);
    expect(seen).toHaveLength(3);
    expect(events.every((event) => event.rateLimited)).toBe(true);
  });

  it('gives up on persistent 5xx with PartnerStackUpstreamError', async () => {
    for (let i = 0; i < 2; i++) replies.push(json(502, '{}'));
    const error = await client(2)
      .listPage(TOKEN, 'actions')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PartnerStackUpstreamError);
    expect((error as PartnerStackUpstreamError).status).toBe(502);
  });

  it('times out slow answers and retries them', async () => {
    replies.push(() => undefined);
    replies.push(json(200, page([])));
    await expect(client().listPage(TOKEN, 'leads')).resolves.toEqual({ items: [], hasMore: false });
    expect(events[0].error).toBe('timeout');
  });

  it('does not retry 400 nor a record without a key, and never puts the token in an error', async () => {
    replies.push(json(400, JSON.stringify({ message: `limit is wrong for ${TOKEN}`, status: 400 })));
    const badRequest = await client()
      .listPage(TOKEN, 'rewards')
      .catch((caught: unknown) => caught);
    expect(badRequest).toBeInstanceOf(PartnerStackBadRequestError);
    replies.push(json(200, page([{ amount: 1 }])));
    const invalid = await client()
      .listPage(TOKEN, 'transactions')
      .catch((caught: unknown) => caught);
    expect(invalid).toBeInstanceOf(PartnerStackInvalidRecordError);
    expect(seen).toHaveLength(2);
    for (const error of [badRequest, invalid]) {
      expect(inspect(error, { depth: 10, showHidden: true })).not.toContain('Secret42');
    }
  });

  it('walks with limit=250 and starting_after the last key until has_more is false', async () => {
    replies.push(json(200, page([{ key: 'tran_a' }, { key: 'tran_b' }], true)));
    replies.push(json(200, page([{ key: 'tran_c' }], false)));
    const keys: string[] = [];
    for await (const result of client().walk(TOKEN, 'transactions', { min_created: 7 })) {
      keys.push(...result.items.map((item) => item.key));
    }
    expect(keys).toEqual(['tran_a', 'tran_b', 'tran_c']);
    expect(seen.map((request) => request.url)).toEqual([
      '/api/v2/transactions?min_created=7&limit=250',
      '/api/v2/transactions?min_created=7&limit=250&starting_after=tran_b',
    ]);
  });

  it('stops a walk on an empty page even when has_more claims otherwise', async () => {
    replies.push(json(200, page([], true)));
    const pages = [];
    for await (const result of client().walk(TOKEN, 'payouts')) pages.push(result);
    expect(pages).toEqual([{ items: [], hasMore: true }]);
    expect(seen).toHaveLength(1);
  });
});
