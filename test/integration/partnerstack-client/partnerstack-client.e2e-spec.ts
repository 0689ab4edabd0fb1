import { inspect } from 'node:util';

import { Logger } from '@nestjs/common';

import { PARTNERSTACK_STREAMS, PartnerStackStream } from '@pp/contracts';
import {
  PartnerStackClient,
  PartnerStackClientOptions,
  PartnerStackError,
  PartnerStackForbiddenError,
  PartnerStackInvalidTokenError,
  PartnerStackRecord,
  RequestEvent,
  tokenFingerprint,
} from '@pp/partnerstack-client';

import type { GroundTruth } from '../../../apps/partnerstack-sandbox/src/agencies/ground-truth';
import type { CallStats } from '../../../apps/partnerstack-sandbox/src/api/traffic.service';
import { RunningSandbox, startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';

const TOKEN = 'sandbox_client_walk_Secret123';

async function admin<T = unknown>(
  sandbox: RunningSandbox,
  method: string,
  path: string,
  body?: unknown,
  token = TOKEN,
): Promise<T> {
  const response = await fetch(`${sandbox.adminUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (response.status === 204 ? null : await response.json()) as T;
}

const groundTruth = (sandbox: RunningSandbox, token = TOKEN) =>
  admin<GroundTruth>(sandbox, 'GET', '/agency/ground-truth', undefined, token);
const agencyStats = (sandbox: RunningSandbox, token: string) =>
  admin<CallStats>(sandbox, 'GET', '/agency/stats', undefined, token);
const totalStats = (sandbox: RunningSandbox) =>
  admin<{ total: CallStats; agencies: Record<string, CallStats> }>(sandbox, 'GET', '/stats');

async function walkEverything(client: PartnerStackClient, token: string, streams: readonly PartnerStackStream[]) {
  const result: Partial<Record<PartnerStackStream, PartnerStackRecord[]>> = {};
  for (const stream of streams) {
    const items: PartnerStackRecord[] = [];
    for await (const page of client.walk(token, stream)) items.push(...page.items);
    result[stream] = items;
  }
  return result as Record<PartnerStackStream, PartnerStackRecord[]>;
}

/** What the walk says, in the ground truth's terms. */
function summarize(walked: Record<PartnerStackStream, PartnerStackRecord[]>, streams: readonly PartnerStackStream[]) {
  const perCurrency: Record<string, Record<string, { count: number; amount: number }>> = {};
  const add = (currency: string, kind: string, amount: number) => {
    const entry = ((perCurrency[currency] ??= {})[kind] ??= { count: 0, amount: 0 });
    entry.count++;
    entry.amount += amount;
  };
  for (const item of walked.transactions) add(item.currency as string, 'transactions', item.amount as number);
  for (const item of walked.rewards) add(item.currency as string, 'rewards', item.amount as number);
  for (const item of walked.payouts) add(item.currency as string, 'payouts', item.amount as number);
  const rewardsByStatus: Record<string, number> = {};
  for (const item of walked.rewards) {
    rewardsByStatus[item.reward_status as string] = (rewardsByStatus[item.reward_status as string] ?? 0) + 1;
  }
  return {
    counts: Object.fromEntries(streams.map((stream) => [stream, walked[stream].length])),
    uniqueKeys: Object.fromEntries(
      streams.map((stream) => [stream, new Set(walked[stream].map((item) => item.key)).size]),
    ),
    perCurrency,
    rewardsByStatus,
  };
}

function expected(truth: GroundTruth, streams: readonly PartnerStackStream[]) {
  const perCurrency: Record<string, Record<string, { count: number; amount: number }>> = {};
  for (const [currency, entry] of Object.entries(truth.perCurrency)) {
    for (const kind of ['transactions', 'rewards', 'payouts'] as const) {
      if (entry[kind].count > 0) {
        (perCurrency[currency] ??= {})[kind] = { count: entry[kind].count, amount: entry[kind].amount };
      }
    }
  }
  return {
    counts: Object.fromEntries(streams.map((stream) => [stream, truth.streams[stream].count])),
    uniqueKeys: Object.fromEntries(streams.map((stream) => [stream, truth.streams[stream].count])),
    perCurrency,
    rewardsByStatus: Object.fromEntries(
      Object.entries(truth.rewardsByStatus).map(([status, entry]) => [status, entry.count]),
    ),
  };
}

describe('PartnerStackClient against the sandbox', () => {
  let sandbox: RunningSandbox;
  const logged: string[] = [];
  const events: RequestEvent[] = [];
  let restoreWrites: () => void;

  const clientOptions = (overrides: Partial<PartnerStackClientOptions> = {}): PartnerStackClientOptions => ({
    baseUrl: sandbox.baseUrl,
    requestsPerMinute: 6000,
    backoffBaseMs: 20,
    backoffCapMs: 1500,
    onRequest: (event) => events.push(event),
    ...overrides,
  });

  beforeAll(async () => {
    const stdout = process.stdout.write.bind(process.stdout);
    const stderr = process.stderr.write.bind(process.stderr);
    const capture =
      (original: typeof stdout) =>
      (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
        logged.push(String(chunk));
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      };
    process.stdout.write = capture(stdout) as typeof process.stdout.write;
    process.stderr.write = capture(stderr) as typeof process.stderr.write;
    restoreWrites = () => {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
    };
    Logger.overrideLogger({
      log: (message: unknown) => logged.push(inspect(message)),
      error: (message: unknown, ...rest: unknown[]) => logged.push(inspect([message, ...rest])),
      warn: (message: unknown) => logged.push(inspect(message)),
      debug: (message: unknown) => logged.push(inspect(message)),
      verbose: (message: unknown) => logged.push(inspect(message)),
    });
    sandbox = await startSandbox({ defaultRecords: 1500, dealsAndLeads: 'always' });
  });

  afterAll(async () => {
    await sandbox.close();
    restoreWrites();
    Logger.overrideLogger(false);
  });

  it('verifies a good token and walks every endpoint to exactly the ground truth', async () => {
    const client = PartnerStackClient.create(clientOptions());
    await expect(client.verifyToken(TOKEN)).resolves.toBeUndefined();
    const truth = await groundTruth(sandbox);
    const walked = await walkEverything(client, TOKEN, PARTNERSTACK_STREAMS);
    expect(summarize(walked, PARTNERSTACK_STREAMS)).toEqual(expected(truth, PARTNERSTACK_STREAMS));
    expect(walked.transactions.length).toBeGreaterThan(250);
    const usd = walked.transactions.reduce((sum, item) => sum + (item.amount_usd as number), 0);
    expect(usd).toBe(Object.values(truth.perCurrency).reduce((sum, entry) => sum + entry.transactions.amountUsd, 0));
  });

  it('still walks to the ground truth through 20% 5xx, cut connections and a tight rate limit', async () => {
    const token = 'sandbox_client_faulty_Secret456';
    await admin(
      sandbox,
      'PUT',
      '/agency',
      { faults: { errorRate: 0.2, errorStatuses: [500, 502, 503], cutRate: 0.05, rateLimitPerMinute: 300 } },
      token,
    );
    await admin(sandbox, 'DELETE', '/agency/stats', undefined, token);
    const client = PartnerStackClient.create(clientOptions({ maxAttempts: 12 }));
    const truth = await groundTruth(sandbox, token);
    const walked = await walkEverything(client, token, PARTNERSTACK_STREAMS);
    expect(summarize(walked, PARTNERSTACK_STREAMS)).toEqual(expected(truth, PARTNERSTACK_STREAMS));
    const stats = await agencyStats(sandbox, token);
    expect(stats.injectedErrors).toBeGreaterThan(0);
    expect(stats.rateLimited).toBeGreaterThan(0);
  }, 90_000);

  it('surfaces 401 as PartnerStackInvalidTokenError after exactly one call', async () => {
    const client = PartnerStackClient.create(clientOptions());
    const before = (await totalStats(sandbox)).total.byStatus['401'] ?? 0;
    const bad = 'live_not_a_sandbox_Secret789';
    const error = await client.verifyToken(bad).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PartnerStackInvalidTokenError);
    const stats = await totalStats(sandbox);
    expect(stats.total.byStatus['401']).toBe(before + 1);
    expect(stats.agencies[tokenFingerprint(bad)]).toMatchObject({ requests: 1, byStatus: { '401': 1 } });
    for (const text of [inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error), String(error)]) {
      expect(text).not.toContain(bad);
    }
  });

  it('surfaces 403 as PartnerStackForbiddenError naming the stream, without retries', async () => {
    const token = 'sandbox_client_no_deals_Secret000';
    await admin(sandbox, 'PUT', '/agency', { dealsVisible: false }, token);
    const client = PartnerStackClient.create(clientOptions());
    const error = await client.listPage(token, 'deals').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PartnerStackForbiddenError);
    expect((error as PartnerStackForbiddenError).stream).toBe('deals');
    const stats = await agencyStats(sandbox, token);
    expect(stats.byEndpoint.deals).toBe(1);
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(token);
  });

  it('turns network failures into typed errors that do not carry the token', async () => {
    const client = PartnerStackClient.create({
      baseUrl: 'http://127.0.0.1:9/api/v2',
      maxAttempts: 2,
      backoffBaseMs: 5,
    });
    const error = await client.listPage(TOKEN, 'rewards').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PartnerStackError);
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(TOKEN);
  });

  it('never wrote a token into a log line or a request event', () => {
    expect(events.length).toBeGreaterThan(0);
    expect(events.some((event) => event.rateLimited)).toBe(true);
    expect(logged.length).toBeGreaterThan(0);
    const everything = [...logged, JSON.stringify(events)].join('\n');
    for (const secret of ['Secret123', 'Secret456', 'Secret789', 'Secret000']) expect(everything).not.toContain(secret);
  });
});
