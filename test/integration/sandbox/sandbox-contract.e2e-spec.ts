import type { GroundTruth } from '../../../apps/partnerstack-sandbox/src/agencies/ground-truth';
import type { CallStats } from '../../../apps/partnerstack-sandbox/src/api/traffic.service';
import { RunningSandbox, startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';

interface ListBody {
  data: { items: Array<Record<string, unknown> & { key: string; created_at: number }>; has_more: boolean };
  message: string;
  status: number;
}

const TOKEN = 'sandbox_contract_agency';

async function get(url: string, token: string | null = TOKEN) {
  const response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as ListBody & Record<string, unknown>,
  };
}

async function admin<T = unknown>(
  sandbox: RunningSandbox,
  method: string,
  path: string,
  body?: unknown,
  token = TOKEN,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sandbox.adminUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (response.status === 204 ? null : await response.json()) as T };
}

async function walkAll(sandbox: RunningSandbox, path: string, query = '', token = TOKEN) {
  const items: ListBody['data']['items'] = [];
  let cursor: string | undefined;
  for (;;) {
    const separator = query ? '&' : '';
    const { status, body } = await get(
      `${sandbox.baseUrl}${path}?${query}${separator}limit=7${cursor ? `&starting_after=${cursor}` : ''}`,
      token,
    );
    expect(status).toBe(200);
    items.push(...body.data.items);
    if (!body.data.has_more) return items;
    cursor = body.data.items[body.data.items.length - 1].key;
  }
}

describe('PartnerStack sandbox contract (partnerstack-api.md)', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ defaultRecords: 400, dealsAndLeads: 'per-token' });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('answers the documented success envelope with default limit 10, newest first', async () => {
    const { status, body } = await get(`${sandbox.baseUrl}/transactions`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ message: expect.any(String), status: 200, data: { has_more: true } });
    expect(body.data.items).toHaveLength(10);
    const created = body.data.items.map((item) => item.created_at);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    for (const item of body.data.items) {
      expect(item.key).toMatch(/^tran_[A-Za-z0-9]{14}$/);
      expect(Number.isInteger(item.amount)).toBe(true);
      expect(Number.isInteger(item.amount_usd)).toBe(true);
      expect(typeof item.currency).toBe('string');
    }
  });

  it('rejects tokens that are not sandbox tokens with the error envelope', async () => {
    for (const token of [null, 'live_abc', 'sandbox_']) {
      const { status, body } = await get(`${sandbox.baseUrl}/rewards`, token);
      expect(status).toBe(401);
      expect(body).toEqual({ message: 'Unauthorized', status: 401 });
    }
  });

  it('answers 400 for limits out of range, both cursors at once, unknown cursors and bad parameters', async () => {
    const base = `${sandbox.baseUrl}/customers`;
    const first = await get(`${base}?limit=2`);
    const key = first.body.data.items[0].key;
    for (const query of [
      'limit=0',
      'limit=251',
      'limit=abc',
      `starting_after=${key}&ending_before=${key}`,
      'starting_after=cus_AAAAAAAAAAAAAA',
      'starting_after=rwrd_nonsense',
      'order_by=-amount',
      'min_created=yesterday',
    ]) {
      const { status, body } = await get(`${base}?${query}`);
      expect({ query, status }).toEqual({ query, status: 400 });
      expect(body.status).toBe(400);
      expect(typeof body.message).toBe('string');
    }
    expect((await get(`${base}?limit=250`)).status).toBe(200);
    const unknownPath = await get(`${sandbox.baseUrl}/marketplace/programs/co_whatever`);
    expect(unknownPath).toMatchObject({ status: 404, body: { message: 'Not Found', status: 404 } });
    expect((await get(`${sandbox.baseUrl}/no/such/endpoint`)).status).toBe(404);
    expect((await get(`${base}?limit=1`)).body.data.items).toHaveLength(1);
  });

  it('walks every stream with starting_after returning each record exactly once, same-millisecond records included', async () => {
    const truth = (await admin<GroundTruth>(sandbox, 'GET', '/agency/ground-truth')).body;
    for (const [path, stream] of [
      ['/partnerships', 'partnerships'],
      ['/customers', 'customers'],
      ['/transactions', 'transactions'],
      ['/rewards', 'rewards'],
      ['/payouts', 'payouts'],
      ['/actions', 'actions'],
      ['/marketplace/programs', 'marketplace_programs'],
    ] as const) {
      const items = await walkAll(sandbox, path);
      expect({ stream, count: items.length }).toEqual({ stream, count: truth.streams[stream].count });
      expect(new Set(items.map((item) => item.key)).size).toBe(items.length);
    }
    const transactions = await walkAll(sandbox, '/transactions');
    const perMs = new Map<number, number>();
    for (const item of transactions) perMs.set(item.created_at, (perMs.get(item.created_at) ?? 0) + 1);
    expect([...perMs.values()].some((count) => count > 1)).toBe(true);
  });

  it('pages backwards with ending_before and ascending with order_by=created_at', async () => {
    const all = await walkAll(sandbox, '/rewards');
    const middle = all[20].key;
    const before = await get(`${sandbox.baseUrl}/rewards?limit=5&ending_before=${middle}`);
    expect(before.body.data.items.map((item) => item.key)).toEqual(all.slice(15, 20).map((item) => item.key));
    expect(before.body.data.has_more).toBe(true);
    const ascending = await walkAll(sandbox, '/rewards', 'order_by=created_at');
    expect(ascending.map((item) => item.key)).toEqual([...all].reverse().map((item) => item.key));
  });

  it('filters by creation window (inclusive bounds) and reward filters', async () => {
    const all = await walkAll(sandbox, '/transactions');
    const min = all[30].created_at;
    const max = all[10].created_at;
    const window = await walkAll(sandbox, '/transactions', `min_created=${min}&max_created=${max}`);
    expect(window.map((item) => item.key)).toEqual(
      all.filter((item) => item.created_at >= min && item.created_at <= max).map((item) => item.key),
    );
    const rewards = await walkAll(sandbox, '/rewards');
    const paid = await walkAll(sandbox, '/rewards', 'status=paid');
    expect(paid.length).toBe(rewards.filter((item) => item.reward_status === 'paid').length);
    expect(paid.length).toBeGreaterThan(0);
    const withCustomer = rewards.find((item) => item.customer !== null)!;
    const customerKey = (withCustomer.customer as { key: string }).key;
    const forCustomer = await walkAll(sandbox, '/rewards', `customer_key=${customerKey}`);
    expect(forCustomer.map((item) => item.key)).toEqual(
      rewards.filter((item) => (item.customer as { key?: string } | null)?.key === customerKey).map((item) => item.key),
    );
    const payouts = await walkAll(sandbox, '/payouts');
    for (const payout of payouts) {
      const grouped = rewards.filter((item) => item.payout_id === payout.id);
      expect(grouped.length).toBeGreaterThan(0);
      expect(grouped.every((item) => item.reward_status === 'paid' && item.currency === payout.currency)).toBe(true);
      expect(grouped.reduce((sum, item) => sum + (item.amount as number), 0)).toBe(payout.amount);
    }
    const eur = await walkAll(sandbox, '/rewards', 'currency=EUR');
    expect(eur.every((item) => item.currency === 'EUR')).toBe(true);
    const byAmount = await walkAll(sandbox, '/rewards', 'order_by=-amount');
    const amounts = byAmount.map((item) => item.amount as number);
    expect([...amounts].sort((a, b) => b - a)).toEqual(amounts);
    expect(byAmount).toHaveLength(rewards.length);
  });

  it('hides archived partnerships unless asked and embeds offers on request', async () => {
    const truth = (await admin<GroundTruth>(sandbox, 'GET', '/agency/ground-truth')).body;
    const withArchived = await walkAll(sandbox, '/partnerships', 'include_archived=true&include_offers=true');
    expect(withArchived).toHaveLength(truth.streams.partnerships.includingArchived);
    for (const partnership of withArchived) {
      expect(partnership.key).toMatch(/^part_[A-Za-z0-9]{14}$/);
      expect(Array.isArray(partnership.offers)).toBe(true);
    }
  });

  it('serves deals and leads to some agencies and 403 to others, overridable by admin', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++)
      statuses.add((await get(`${sandbox.baseUrl}/deals`, `sandbox_visibility_${i}`)).status);
    expect([...statuses].sort()).toEqual([200, 403]);
    const token = 'sandbox_visibility_forced';
    await admin(sandbox, 'PUT', '/agency', { dealsVisible: false, leadsVisible: true }, token);
    const forbidden = await get(`${sandbox.baseUrl}/deals`, token);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual({ message: 'Forbidden', status: 403 });
    expect((await get(`${sandbox.baseUrl}/leads`, token)).status).toBe(200);
  });

  it('rate-limits per token with 429 and Retry-After, and counts them in admin stats', async () => {
    const token = 'sandbox_rate_limited';
    await admin(sandbox, 'PUT', '/agency', { records: 50, faults: { rateLimitPerMinute: 60 } }, token);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const response = await get(`${sandbox.baseUrl}/customers`, token);
      statuses.push(response.status);
      if (response.status === 429) {
        retryAfter = response.headers.get('retry-after');
        expect(response.body).toEqual({ message: 'Too many requests', status: 429 });
      }
    }
    expect(statuses[0]).toBe(200);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    const stats = (await admin<CallStats>(sandbox, 'GET', '/agency/stats', undefined, token)).body;
    expect(stats.rateLimited).toBe(statuses.filter((status) => status === 429).length);
    expect(stats.byEndpoint.customers).toBe(4);
  });

  it('injects errors, latency and cut connections per token or globally, and resets them', async () => {
    const token = 'sandbox_faults';
    await admin(sandbox, 'PUT', '/agency', { records: 30, faults: { errorRate: 1, errorStatuses: [502] } }, token);
    const failed = await get(`${sandbox.baseUrl}/customers`, token);
    expect(failed.status).toBe(502);
    expect(failed.body).toEqual({ message: 'Bad Gateway', status: 502 });

    await admin(sandbox, 'PUT', '/agency', { faults: { errorRate: null, cutRate: 1 } }, token);
    await expect(
      fetch(`${sandbox.baseUrl}/customers`, { headers: { Authorization: `Bearer ${token}` } }).then((response) =>
        response.text(),
      ),
    ).rejects.toThrow();

    await admin(sandbox, 'PUT', '/agency', { faults: { cutRate: null, latencyMs: 150 } }, token);
    const started = Date.now();
    expect((await get(`${sandbox.baseUrl}/customers`, token)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const stats = (await admin<CallStats>(sandbox, 'GET', '/agency/stats', undefined, token)).body;
    expect(stats).toMatchObject({ requests: 3, injectedErrors: 1, cutConnections: 1 });

    const global = await admin(sandbox, 'PUT', '/faults', { errorRate: 1, errorStatuses: [503] });
    expect(global.body).toMatchObject({ errorRate: 1, errorStatuses: [503] });
    expect((await get(`${sandbox.baseUrl}/customers`, 'sandbox_faults_global')).status).toBe(503);
    expect((await admin(sandbox, 'POST', '/reset')).status).toBe(204);
    expect((await get(`${sandbox.baseUrl}/customers`, 'sandbox_faults_global')).status).toBe(200);
  });

  it('generates the same agency on every start and a different one per token', async () => {
    const first = await get(`${sandbox.baseUrl}/rewards?limit=50`, 'sandbox_determinism');
    const other = await startSandbox({ defaultRecords: 400 });
    try {
      const second = await get(`${other.baseUrl}/rewards?limit=50`, 'sandbox_determinism');
      expect(second.body).toEqual(first.body);
      // Advancing 15 then 25 days gives exactly what advancing 40 days at once gives.
      const token = 'sandbox_split_advance';
      await admin(sandbox, 'POST', '/agency/advance', { days: 15 }, token);
      const twice = (await admin(sandbox, 'POST', '/agency/advance', { days: 25 }, token)).body;
      const once = (await admin(other, 'POST', '/agency/advance', { days: 40 }, token)).body;
      expect(twice).toEqual(once);
      const page = `rewards?limit=100&order_by=-amount`;
      expect((await get(`${sandbox.baseUrl}/${page}`, token)).body).toEqual(
        (await get(`${other.baseUrl}/${page}`, token)).body,
      );
    } finally {
      await other.close();
    }
    const different = await get(`${sandbox.baseUrl}/rewards?limit=50`, 'sandbox_determinism_2');
    expect(different.body.data.items[0].key).not.toEqual(first.body.data.items[0].key);
  });

  it('advances time: new records, status changes, updated_at bumps, as the ground truth reports', async () => {
    const token = 'sandbox_time_travel';
    const before = (await admin<GroundTruth>(sandbox, 'GET', '/agency/ground-truth', undefined, token)).body;
    const rewardsBefore = await walkAll(sandbox, '/rewards', '', token);
    const advanced = await admin<GroundTruth>(sandbox, 'POST', '/agency/advance', { days: 40 }, token);
    expect(advanced.status).toBe(200);
    const after = advanced.body;
    expect(after.agency.daysAdvanced).toBe(40);
    expect(after.streams.transactions.count).toBeGreaterThan(before.streams.transactions.count);
    expect(after.streams.partnerships.archived).toBeGreaterThan(before.streams.partnerships.archived);
    expect(after.streams.payouts.count).toBeGreaterThan(before.streams.payouts.count);
    expect(after).toEqual((await admin<GroundTruth>(sandbox, 'GET', '/agency/ground-truth', undefined, token)).body);
    const rewardsAfter = await walkAll(sandbox, '/rewards', '', token);
    expect(rewardsAfter).toHaveLength(after.streams.rewards.count);
    const previous = new Map(rewardsBefore.map((item) => [item.key, item]));
    const changed = rewardsAfter.filter((item) => {
      const old = previous.get(item.key);
      return old && old.reward_status !== item.reward_status;
    });
    expect(changed.length).toBeGreaterThan(0);
    for (const item of changed) expect(item.updated_at).toBeGreaterThan(previous.get(item.key)!.updated_at as number);
    const byStatus = Object.fromEntries(
      Object.entries(after.rewardsByStatus as Record<string, { count: number }>).map(([status, entry]) => [
        status,
        entry.count,
      ]),
    );
    const walked: Record<string, number> = {};
    for (const item of rewardsAfter)
      walked[item.reward_status as string] = (walked[item.reward_status as string] ?? 0) + 1;
    expect(walked).toEqual(byStatus);
  });
});
