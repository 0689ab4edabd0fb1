import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { waitFor } from '@pp/testing';

import type { GroundTruth } from '../../../apps/partnerstack-sandbox/src/agencies/ground-truth';
import { RunningSandbox, startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';

type Item = Record<string, unknown> & { key: string; created_at: number; updated_at: number };
type Reward = Item & {
  amount: number;
  currency: string;
  description: string;
  reward_status: string;
  payment_status: string | null;
  payout_id: number | null;
  payment_date: number | null;
  partnership_key: string;
  source: { type: string; key: string | null };
  customer: { key: string } | null;
  drip: { occurrence: number; occurrences: number } | null;
};

const TOKEN = 'sandbox_changes_agency';
const DAY_MS = 86_400_000;
const ADVANCE_DAYS = 60;

async function get<T = Item>(url: string, token = TOKEN) {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { data: { items: T[]; has_more: boolean } };
  return { status: response.status, body };
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
  return { status: response.status, body: (await response.json()) as T };
}

async function walk<T extends Item = Item>(sandbox: RunningSandbox, path: string, query = '', token = TOKEN) {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const { status, body } = await get<T>(
      `${sandbox.baseUrl}${path}?limit=250${query ? `&${query}` : ''}${cursor ? `&starting_after=${cursor}` : ''}`,
      token,
    );
    expect(status).toBe(200);
    items.push(...body.data.items);
    if (!body.data.has_more) return items;
    cursor = body.data.items[body.data.items.length - 1].key;
  }
}

const byKey = <T extends Item>(items: T[]) => new Map(items.map((item) => [item.key, item]));
const add = (record: Record<string, number>, key: string, amount: number) => {
  record[key] = (record[key] ?? 0) + amount;
};

/** Everything the ground truth reports about rewards, transactions and payouts, recomputed from walked lists. */
function figuresOf(rewards: Reward[], transactions: Item[], customers: Item[], payouts: Item[]) {
  const rewardsByStatus: Record<string, { count: number; amountByCurrency: Record<string, number> }> = {};
  const rewardsByPaymentStatus: Record<string, number> = {};
  const perCurrency: Record<string, Record<string, { count: number; amount: number }>> = {};
  const money = (currency: string, name: string, amount: number) => {
    const entry = ((perCurrency[currency] ??= {})[name] ??= { count: 0, amount: 0 });
    entry.count++;
    entry.amount += amount;
  };
  for (const reward of rewards) {
    const status = (rewardsByStatus[reward.reward_status] ??= { count: 0, amountByCurrency: {} });
    status.count++;
    add(status.amountByCurrency, reward.currency, reward.amount);
    add(rewardsByPaymentStatus, reward.payment_status ?? 'null', 1);
    money(reward.currency, 'rewards', reward.amount);
    if (reward.amount < 0) money(reward.currency, 'clawbacks', reward.amount);
  }
  for (const transaction of transactions) {
    if (transaction.archived)
      money(transaction.currency as string, 'refundedTransactions', transaction.amount as number);
  }
  for (const payout of payouts) money(payout.currency as string, 'payouts', payout.amount as number);
  return {
    counts: {
      customers: customers.length,
      archivedCustomers: customers.filter((customer) => customer.archived).length,
      transactions: transactions.length,
      refunded: transactions.filter((transaction) => transaction.archived).length,
      rewards: rewards.length,
      clawbacks: rewards.filter((reward) => reward.amount < 0).length,
      payouts: payouts.length,
    },
    rewardsByStatus,
    rewardsByPaymentStatus,
    perCurrency,
    rewardsChangedAfter45Days: rewards.filter((reward) => reward.updated_at - reward.created_at > 45 * DAY_MS).length,
    transactionsRefundedAfter25Days: transactions.filter(
      (transaction) => transaction.archived && transaction.updated_at - transaction.created_at > 25 * DAY_MS,
    ).length,
  };
}

function figuresOfTruth(truth: GroundTruth) {
  const perCurrency: Record<string, Record<string, { count: number; amount: number }>> = {};
  for (const [currency, entry] of Object.entries(truth.perCurrency)) {
    for (const name of ['rewards', 'clawbacks', 'refundedTransactions', 'payouts'] as const) {
      if (entry[name].count > 0) (perCurrency[currency] ??= {})[name] = entry[name];
    }
  }
  return {
    counts: {
      customers: truth.streams.customers.count,
      archivedCustomers: truth.streams.customers.archived,
      transactions: truth.streams.transactions.count,
      refunded: truth.streams.transactions.refunded,
      rewards: truth.streams.rewards.count,
      clawbacks: truth.streams.rewards.clawbacks,
      payouts: truth.streams.payouts.count,
    },
    rewardsByStatus: truth.rewardsByStatus,
    rewardsByPaymentStatus: truth.rewardsByPaymentStatus,
    perCurrency,
    rewardsChangedAfter45Days: truth.lateChanges.rewardsChangedAfter45Days,
    transactionsRefundedAfter25Days: truth.lateChanges.transactionsRefundedAfter25Days,
  };
}

describe('PartnerStack sandbox: every change on time (issue 12)', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ defaultRecords: 400 });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  describe(`after advancing ${ADVANCE_DAYS} days`, () => {
    let start: number;
    let before: { rewards: Reward[]; transactions: Item[]; customers: Item[]; truth: GroundTruth };
    let after: { rewards: Reward[]; transactions: Item[]; customers: Item[]; payouts: Item[]; truth: GroundTruth };

    beforeAll(async () => {
      const configured = await admin<{ now: number }>(sandbox, 'PUT', '/agency', { records: 20_000 });
      expect(configured.status).toBe(200);
      start = configured.body.now;
      before = {
        rewards: await walk<Reward>(sandbox, '/rewards'),
        transactions: await walk(sandbox, '/transactions'),
        customers: await walk(sandbox, '/customers'),
        truth: (await admin<GroundTruth>(sandbox, 'GET', '/agency/ground-truth')).body,
      };
      const advanced = await admin<GroundTruth>(sandbox, 'POST', '/agency/advance', { days: ADVANCE_DAYS });
      expect(advanced.status).toBe(200);
      after = {
        rewards: await walk<Reward>(sandbox, '/rewards'),
        transactions: await walk(sandbox, '/transactions'),
        customers: await walk(sandbox, '/customers'),
        payouts: await walk(sandbox, '/payouts'),
        truth: advanced.body,
      };
    });

    it('changes the status of rewards long past 45 days, bumping updated_at', () => {
      const previous = byKey(before.rewards);
      const changedOlderThan = (days: number) =>
        after.rewards.filter((reward) => {
          const old = previous.get(reward.key);
          // Later occurrences of a drip series are scheduled for months by design.
          const laterOccurrence = (reward.drip?.occurrence ?? 1) > 1;
          return (
            old &&
            !laterOccurrence &&
            reward.created_at < start - days * DAY_MS &&
            old.reward_status !== reward.reward_status
          );
        });
      expect(changedOlderThan(45).length).toBeGreaterThan(0);
      // Past ~135 days a reward without the long-open tail has long been paid or declined.
      const veryOld = changedOlderThan(140);
      expect(veryOld.length).toBeGreaterThan(0);
      for (const reward of veryOld) {
        const old = previous.get(reward.key)!;
        expect(['pending', 'hold', 'approved']).toContain(old.reward_status);
        expect(reward.updated_at).toBeGreaterThan(old.updated_at);
      }
      expect(veryOld.some((reward) => reward.reward_status === 'paid')).toBe(true);
      expect(veryOld.some((reward) => reward.reward_status === 'declined')).toBe(true);
    });

    it('refunds transactions that were more than 25 days old', () => {
      const previous = byKey(before.transactions);
      const lateRefunds = after.transactions.filter((transaction) => {
        const old = previous.get(transaction.key);
        return old && !old.archived && transaction.archived && transaction.created_at < start - 25 * DAY_MS;
      });
      expect(lateRefunds.length).toBeGreaterThan(0);
      for (const transaction of lateRefunds) {
        expect(transaction.updated_at).toBeGreaterThan(start);
        expect(transaction.updated_at - transaction.created_at).toBeLessThanOrEqual(91 * DAY_MS);
      }
    });

    it('books a negative clawback for every paid reward whose transaction was refunded, netted by a later payout', () => {
      const transactions = byKey(after.transactions);
      const clawbacks = after.rewards.filter((reward) => reward.amount < 0 && reward.source.type === 'transaction');
      const refundedAfterPayout = after.rewards.filter((reward) => reward.payment_status === 'paid_and_refunded');
      expect(refundedAfterPayout.length).toBeGreaterThan(0);
      expect(clawbacks).toHaveLength(refundedAfterPayout.length);
      for (const reversed of refundedAfterPayout) {
        const matching = clawbacks.filter((clawback) => clawback.description.includes(reversed.key));
        expect(matching).toHaveLength(1);
        const [clawback] = matching;
        expect(clawback.description).toBe(`Clawback of ${reversed.key}: customer refunded`);
        expect(clawback).toMatchObject({
          amount: -reversed.amount,
          currency: reversed.currency,
          partnership_key: reversed.partnership_key,
          source: reversed.source,
          customer: { key: reversed.customer!.key },
        });
        const transaction = transactions.get(reversed.source.key!)!;
        expect(transaction.archived).toBe(true);
        // Booked at the refund, which is also when the transaction last changed.
        expect(clawback.created_at).toBe(transaction.updated_at);
        expect(reversed.payment_date).toBeLessThanOrEqual(clawback.created_at);
        expect(['approved', 'paid']).toContain(clawback.reward_status);
      }
      const netted = clawbacks.filter((clawback) => clawback.payout_id !== null);
      expect(netted.length).toBeGreaterThan(0);
      const payouts = byKey(after.payouts);
      for (const clawback of netted) {
        expect(clawback.reward_status).toBe('paid');
        const payout = [...payouts.values()].find((candidate) => candidate.id === clawback.payout_id)!;
        expect(payout.currency).toBe(clawback.currency);
        expect(payout.created_at).toBeGreaterThan(clawback.created_at);
        const members = after.rewards.filter((reward) => reward.payout_id === clawback.payout_id);
        expect(payout.amount).toBe(members.reduce((sum, reward) => sum + reward.amount, 0));
        expect(payout.amount).toBeGreaterThan(0);
        expect(payout.reward_count).toBe(members.length);
      }
    });

    it('reverses a share of paid one-off rewards by a manual clawback, leaving the reward paid', () => {
      const rewards = byKey(after.rewards);
      const manual = after.rewards.filter((reward) => reward.amount < 0 && reward.source.type === 'manual');
      expect(manual.length).toBeGreaterThan(0);
      for (const clawback of manual) {
        const reversedKey = /^Clawback of (rwrd_\w+): incorrect reward$/.exec(clawback.description)?.[1];
        const reversed = rewards.get(reversedKey!)!;
        expect(reversed).toMatchObject({ reward_status: 'paid', source: { type: 'manual' }, customer: null });
        expect(reversed.payment_status).not.toBe('paid_and_refunded');
        expect(clawback).toMatchObject({ amount: -reversed.amount, currency: reversed.currency, customer: null });
        expect(clawback.created_at).toBeGreaterThan(reversed.payment_date!);
      }
    });

    it('lists clawbacks like any reward: filters, order by amount and cursors', async () => {
      const clawback = after.rewards.find((reward) => reward.amount < 0 && reward.customer !== null)!;
      const found = await walk<Reward>(sandbox, '/rewards', `keywords=${clawback.key}`);
      expect(found.map((reward) => reward.key)).toEqual([clawback.key]);
      const forCustomer = await walk<Reward>(sandbox, '/rewards', `customer_key=${clawback.customer!.key}`);
      expect(forCustomer.map((reward) => reward.key)).toContain(clawback.key);
      const cheapest = await get<Reward>(`${sandbox.baseUrl}/rewards?order_by=amount&limit=1`);
      expect(cheapest.body.data.items[0].amount).toBe(Math.min(...after.rewards.map((reward) => reward.amount)));
      const window = await walk<Reward>(
        sandbox,
        '/rewards',
        `min_created=${clawback.created_at}&max_created=${clawback.created_at}`,
      );
      expect(window.map((reward) => reward.key)).toContain(clawback.key);
      const next = await get<Reward>(`${sandbox.baseUrl}/rewards?limit=1&starting_after=${clawback.key}`);
      const position = after.rewards.findIndex((reward) => reward.key === clawback.key);
      expect(next.body.data.items.map((reward) => reward.key)).toEqual([after.rewards[position + 1].key]);
    });

    it('archives and removes customers that were more than 90 days old', () => {
      const current = byKey(after.customers);
      const old = before.customers.filter((customer) => customer.created_at < start - 90 * DAY_MS);
      const archived = old.filter((customer) => !customer.archived && current.get(customer.key)?.archived);
      const removed = old.filter((customer) => !current.has(customer.key));
      expect(archived.length).toBeGreaterThan(0);
      expect(removed.length).toBeGreaterThan(0);
      expect(after.truth.removed.customers - before.truth.removed.customers).toBeGreaterThanOrEqual(removed.length);
      expect(after.truth.lateChanges.customersRemovedAfter90Days).toBeGreaterThan(
        before.truth.lateChanges.customersRemovedAfter90Days,
      );
      expect(after.truth.lateChanges.customersArchivedAfter90Days).toBeGreaterThan(
        before.truth.lateChanges.customersArchivedAfter90Days,
      );
    });

    it('reports in the ground truth exactly what a full walk of the API returns', () => {
      const walked = figuresOf(after.rewards, after.transactions, after.customers, after.payouts);
      expect(walked).toEqual(figuresOfTruth(after.truth));
      expect(walked.counts.clawbacks).toBeGreaterThan(0);
      expect(walked.rewardsChangedAfter45Days).toBeGreaterThan(0);
      expect(walked.transactionsRefundedAfter25Days).toBeGreaterThan(0);
    });
  });

  describe('postbacks', () => {
    const token = 'sandbox_postbacks';
    let receiver: Server;
    let receiverUrl: string;
    const received: Array<{ event: string; data: Record<string, unknown> }> = [];

    beforeAll(async () => {
      receiver = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          response.writeHead(204).end();
        });
      });
      receiver.listen(0, '127.0.0.1');
      await once(receiver, 'listening');
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/partnerstack`;
    });

    afterAll(() => new Promise((resolve) => receiver.close(resolve)));

    it('refuses postback URLs off this machine with 400 and changes nothing', async () => {
      for (const url of [
        'http://example.com/hook',
        'http://169.254.169.254/',
        'https://10.1.2.3:8443/x',
        'localhost',
      ]) {
        const response = await admin<{ message: string }>(
          sandbox,
          'PUT',
          '/agency',
          { records: 999, postbackUrl: url },
          token,
        );
        expect({ url, status: response.status }).toEqual({ url, status: 400 });
        expect(JSON.stringify(response.body)).toMatch(/postbackUrl/);
      }
      const agency = await admin<{ records: number; postbackUrl: string | null }>(
        sandbox,
        'GET',
        '/agency',
        undefined,
        token,
      );
      expect(agency.body).toMatchObject({ records: 400, postbackUrl: null });
      const test = await admin<{ message: string }>(sandbox, 'POST', '/agency/postback-test', undefined, token);
      expect(test.status).toBe(400);
      expect(test.body.message).toMatch(/postbackUrl/);
    });

    it('sends the test payload, then reward_created and action_created calls for what an advance created', async () => {
      const set = await admin<{ postbackUrl: string }>(
        sandbox,
        'PUT',
        '/agency',
        { records: 5000, postbackUrl: receiverUrl },
        token,
      );
      expect(set).toMatchObject({ status: 200, body: { records: 5000, postbackUrl: receiverUrl } });

      const test = await admin(sandbox, 'POST', '/agency/postback-test', undefined, token);
      expect(test).toEqual({ status: 200, body: { delivered: true, status: 204, error: null } });
      expect(received).toEqual([{ event: 'test', data: { message: 'Test event sent!' } }]);
      received.length = 0;

      const from = (await admin<{ now: number }>(sandbox, 'GET', '/agency', undefined, token)).body.now;
      expect((await admin(sandbox, 'POST', '/agency/advance', { days: 10 }, token)).status).toBe(200);
      const rewards = await walk<Reward>(sandbox, '/rewards', `min_created=${from + 1}`, token);
      const actions = await walk(sandbox, '/actions', `min_created=${from + 1}`, token);
      const events = rewards.length + actions.length;
      expect(rewards.length).toBeGreaterThan(0);
      // More happened than one advance may announce: 19 calls for the oldest, one for the newest.
      expect(events).toBeGreaterThan(20);
      const expectedCalls = 20;
      const stats = await waitFor(
        async () => {
          const agency = await admin<{ postbacks: { delivered: number; pending: number; coalesced: number } }>(
            sandbox,
            'GET',
            '/agency',
            undefined,
            token,
          );
          return agency.body.postbacks.pending === 0 && agency.body.postbacks.delivered >= expectedCalls
            ? agency.body.postbacks
            : null;
        },
        { description: 'postbacks of the advance delivered' },
      );
      expect(stats).toMatchObject({ delivered: expectedCalls, coalesced: events - expectedCalls });
      expect(received).toHaveLength(expectedCalls);
      const rewardKeys = new Map(rewards.map((reward) => [reward.key, reward.created_at]));
      const actionKeys = new Map(actions.map((action) => [action.key, action.created_at]));
      const rewardCalls = received.filter((call) => call.event === 'reward_created');
      expect(rewardCalls.length).toBeGreaterThan(0);
      const newest = Math.max(
        ...rewards.map((reward) => reward.created_at),
        ...actions.map((action) => action.created_at),
      );
      expect(received[received.length - 1].data.created_at).toBe(newest);
      for (const call of received) {
        expect(['reward_created', 'action_created']).toContain(call.event);
        const keys = call.event === 'reward_created' ? rewardKeys : actionKeys;
        expect(keys.get(call.data.key as string)).toBe(call.data.created_at);
      }
    });

    it('stops when the URL is cleared and survives a receiver that is down', async () => {
      await admin(sandbox, 'PUT', '/agency', { postbackUrl: null }, token);
      expect((await admin(sandbox, 'POST', '/agency/advance', { days: 2 }, token)).status).toBe(200);
      const afterClear = await admin<{ postbackUrl: null; postbacks: { delivered: number; pending: number } }>(
        sandbox,
        'GET',
        '/agency',
        undefined,
        token,
      );
      expect(afterClear.body.postbackUrl).toBeNull();
      expect(afterClear.body.postbacks.pending).toBe(0);

      const closed = createServer();
      closed.listen(0, '127.0.0.1');
      await once(closed, 'listening');
      const deadUrl = `http://localhost:${(closed.address() as AddressInfo).port}/gone`;
      await new Promise((resolve) => closed.close(resolve));
      await admin(sandbox, 'PUT', '/agency', { postbackUrl: deadUrl }, token);
      const failedBefore = (await admin<{ postbacks: { failed: number } }>(sandbox, 'GET', '/agency', undefined, token))
        .body.postbacks.failed;
      expect((await admin(sandbox, 'POST', '/agency/advance', { days: 2 }, token)).status).toBe(200);
      await waitFor(
        async () => {
          const { postbacks } = (
            await admin<{ postbacks: { failed: number; pending: number } }>(sandbox, 'GET', '/agency', undefined, token)
          ).body;
          return postbacks.pending === 0 && postbacks.failed > failedBefore;
        },
        { description: 'postbacks to a closed port failed' },
      );
      const test = await admin<{ delivered: boolean }>(sandbox, 'POST', '/agency/postback-test', undefined, token);
      expect(test).toMatchObject({ status: 200, body: { delivered: false } });
    });
  });
});
