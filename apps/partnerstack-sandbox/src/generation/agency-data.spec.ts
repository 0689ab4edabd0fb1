import { rewardState } from '../agencies/record-views';
import {
  DAY_MS,
  LATE_CUSTOMER_CHANGE_DAYS,
  LATE_REFUND_DAYS,
  LONG_OPEN_REWARD_DAYS,
  REFUND_DECLINE_REASON,
} from '../sandbox.constants';
import { AgencyData, payoutDateAfter, payoutId, REWARD_FATE } from './agency-data';
import { seedFrom } from './prng';

const shape = { seed: seedFrom('spec'), records: 3000, clockStart: Date.UTC(2026, 5, 1), historyDays: 365 };
const large = { ...shape, seed: seedFrom('spec-large'), records: 40_000 };

function indexes(length: number, predicate: (index: number) => boolean): number[] {
  const found: number[] = [];
  for (let index = 0; index < length; index++) if (predicate(index)) found.push(index);
  return found;
}

describe('payout dates', () => {
  it.each([13, 8, 28, 1])(
    'gives the first payout run on day %i strictly after a moment, and the month id, in any order of asking',
    (day) => {
      const runs = Array.from({ length: 40 }, (_, month) => Date.UTC(2025, month, day, 10));
      const times = [
        ...runs.slice(0, 30).flatMap((run) => [run - 1, run, run + 1]),
        ...Array.from({ length: 500 }, (_, i) => Date.UTC(2025, 0, 1) + ((i * 7_919_993_137) % (800 * DAY_MS))),
      ];
      for (const time of times) {
        expect({ time, at: payoutDateAfter(time, day) }).toEqual({ time, at: runs.find((run) => run > time) });
        const date = new Date(time);
        expect(payoutId(time, 5, 3)).toBe(((date.getUTCFullYear() * 12 + date.getUTCMonth()) * 8 + 5) * 10 + 3);
      }
      expect(payoutDateAfter(Date.UTC(2301, 4, 20), day)).toBe(Date.UTC(2301, day > 20 ? 4 : 5, day, 10));
      expect(payoutDateAfter(Date.UTC(1960, 0, 2), day)).toBe(Date.UTC(1960, day > 1 ? 0 : 1, day, 10));
    },
  );

  it('defaults to the 13th and keeps programs and currencies apart in payout ids', () => {
    expect(payoutDateAfter(Date.UTC(2026, 5, 1))).toBe(Date.UTC(2026, 5, 13, 10));
    expect(payoutId(Date.UTC(2301, 4, 20), 0, 1)).toBe((2301 * 12 + 4) * 80 + 1);
    const ids = new Set(
      [0, 1, 6].flatMap((program) => [0, 4].map((currency) => payoutId(Date.UTC(2026, 1), program, currency))),
    );
    expect(ids.size).toBe(6);
  });
});

describe(AgencyData.name, () => {
  it('generates about the requested number of records, in creation order, some sharing a millisecond', () => {
    const data = new AgencyData(shape);
    // Over rather than under: a payout per program (not per currency) and drip series came after the estimate.
    expect(data.recordCount()).toBeGreaterThan(2700);
    expect(data.recordCount()).toBeLessThan(3450);
    const created = data.transactions.createdAt.subarray(0, data.transactions.length);
    let ties = 0;
    for (let i = 1; i < created.length; i++) {
      expect(created[i]).toBeGreaterThanOrEqual(created[i - 1]);
      if (created[i] === created[i - 1]) ties++;
    }
    expect(ties).toBeGreaterThan(0);
  });

  it('is the same whether time advances in one step or several, clawbacks and their netting included', () => {
    const until = large.clockStart + 95 * DAY_MS;
    const once = new AgencyData(large);
    once.extendTo(until);
    const steps = new AgencyData(large);
    for (const days of [10, 10.5, 41, 41, 80]) steps.extendTo(large.clockStart + days * DAY_MS);
    steps.extendTo(until);
    const columns = (data: AgencyData) => {
      const { rewards } = data;
      const slice = <T extends { subarray(from: number, to: number): ArrayLike<number> }>(array: T) =>
        Array.from(array.subarray(0, rewards.length));
      return [rewards.createdAt, rewards.t1, rewards.t2, rewards.t3, rewards.ref, rewards.amount, rewards.fate].map(
        slice,
      );
    };
    expect(steps.rewards.length).toBe(once.rewards.length);
    expect(columns(steps)).toEqual(columns(once));
    expect([...steps.payouts.values()]).toEqual([...once.payouts.values()]);
    expect(indexes(once.rewards.length, (i) => (once.rewards.fate[i] & REWARD_FATE.clawback) !== 0).length).toBe(
      indexes(steps.rewards.length, (i) => (steps.rewards.fate[i] & REWARD_FATE.clawback) !== 0).length,
    );
  });

  describe('changes at any age', () => {
    const data = new AgencyData(large);
    const now = large.clockStart + 120 * DAY_MS;
    data.extendTo(now);
    const { rewards, transactions, customers } = data;

    it('keeps every table in creation order with clawbacks inserted', () => {
      const outOfOrder = indexes(rewards.length, (i) => i > 0 && rewards.createdAt[i] < rewards.createdAt[i - 1]);
      expect(outOfOrder).toEqual([]);
    });

    it('leaves a share of rewards open for months before they are paid or declined', () => {
      const lastChange = (index: number) =>
        Math.max(...[rewards.t1[index], rewards.t2[index]].filter(Number.isFinite)) - rewards.createdAt[index];
      // Later drip occurrences are scheduled for months by design; only the first of a series is reviewed at once.
      const laterOccurrence = (i: number) => (rewards.fate[i] & REWARD_FATE.drip) !== 0 && data.dripOccurrence(i) > 0;
      const late = indexes(
        rewards.length,
        (i) => !(rewards.fate[i] & REWARD_FATE.clawback) && !laterOccurrence(i) && lastChange(i) > 140 * DAY_MS,
      );
      expect(late.length).toBeGreaterThan(rewards.length * 0.01);
      expect(Math.max(...late.map(lastChange))).toBeLessThanOrEqual((LONG_OPEN_REWARD_DAYS.max + 32) * DAY_MS);
      // Rewards already 140 days old at the clock start still change status in the next 120 days.
      const old = indexes(
        rewards.length,
        (i) => rewards.createdAt[i] < large.clockStart - 140 * DAY_MS && !laterOccurrence(i),
      );
      const changed = old.filter(
        (i) => rewardState(data, i, large.clockStart).status !== rewardState(data, i, now).status,
      );
      expect(changed.length).toBeGreaterThan(0);
      const statuses = new Set(changed.map((i) => rewardState(data, i, now).status));
      expect(statuses).toEqual(new Set(['paid', 'declined']));
      for (const i of changed) {
        expect(rewardState(data, i, now).updatedAt).toBeGreaterThan(rewardState(data, i, large.clockStart).updatedAt);
      }
    });

    it('refunds transactions up to 90 days after the sale, most of them within 25', () => {
      const refunded = indexes(transactions.length, (i) => Number.isFinite(transactions.t1[i]));
      const delays = refunded.map((i) => transactions.t1[i] - transactions.createdAt[i]);
      const late = delays.filter((delay) => delay > 25 * DAY_MS);
      expect(late.length).toBeGreaterThan(0);
      expect(late.length).toBeLessThan(delays.length / 2);
      expect(Math.max(...delays)).toBeLessThan((LATE_REFUND_DAYS.max + 1) * DAY_MS);
    });

    it('books one clawback per paid reward whose transaction was refunded, netted into a later payout', () => {
      const paidThenRefunded = indexes(
        rewards.length,
        (i) =>
          (rewards.fate[i] & REWARD_FATE.outcomeMask) === REWARD_FATE.paidThenRefunded &&
          transactions.t1[rewards.ref[i]] <= now,
      );
      const clawbacks = indexes(
        rewards.length,
        (i) => (rewards.fate[i] & REWARD_FATE.clawback) !== 0 && rewards.ref[i] >= 0,
      );
      expect(paidThenRefunded.length).toBeGreaterThan(0);
      expect(clawbacks.map((i) => data.reversedReward(i)).sort((a, b) => a - b)).toEqual(paidThenRefunded);
      for (const clawback of clawbacks) {
        const reversed = data.reversedReward(clawback);
        expect(rewards.amount[clawback]).toBe(-rewards.amount[reversed]);
        expect(rewards.createdAt[clawback]).toBe(transactions.t1[rewards.ref[reversed]]);
        expect(rewards.currency[clawback]).toBe(rewards.currency[reversed]);
        expect(rewards.partnership[clawback]).toBe(rewards.partnership[reversed]);
        expect(rewards.t2[clawback]).toBeGreaterThan(rewards.createdAt[clawback]);
      }
      const netted = clawbacks.filter((i) => rewards.t2[i] <= now);
      expect(netted.length).toBeGreaterThan(0);
      // Every payout is the sum of the rewards it paid, clawbacks included, and stays above zero.
      const sums = new Map<number, number>();
      for (let i = 0; i < rewards.length; i++) {
        const outcome = rewards.fate[i] & REWARD_FATE.outcomeMask;
        if (outcome !== REWARD_FATE.paid && outcome !== REWARD_FATE.paidThenRefunded) continue;
        if (!Number.isFinite(rewards.t2[i])) continue;
        const id = data.payoutOfReward(i).id;
        sums.set(id, (sums.get(id) ?? 0) + rewards.amount[i]);
      }
      for (const payout of data.payoutsUntil(now)) {
        expect(payout.amount).toBe(sums.get(payout.id));
        expect(payout.amount).toBeGreaterThan(0);
      }
      const state = rewardState(data, netted[0], now);
      expect(state).toMatchObject({
        status: 'paid',
        payoutId: payoutId(rewards.t2[netted[0]], rewards.partnership[netted[0]], rewards.currency[netted[0]]),
      });
    });

    it('declines rewards refunded before payout as before', () => {
      const declined = indexes(
        rewards.length,
        (i) => (rewards.fate[i] & REWARD_FATE.outcomeMask) === REWARD_FATE.refundDeclined && rewards.t2[i] <= now,
      );
      expect(declined.length).toBeGreaterThan(0);
      for (const i of declined.slice(0, 20))
        expect(rewardState(data, i, now).declineReason).toBe(REFUND_DECLINE_REASON);
    });

    it('archives and removes customers at any age, a few of them long after creation', () => {
      const age = (at: number, i: number) => (Number.isFinite(at) ? at - customers.createdAt[i] : -1);
      const lateArchived = indexes(customers.length, (i) => age(customers.t2[i], i) > 200 * DAY_MS);
      const lateRemoved = indexes(customers.length, (i) => age(customers.vanishAt[i], i) > 90 * DAY_MS);
      expect(lateArchived.length).toBeGreaterThan(0);
      expect(lateRemoved.length).toBeGreaterThan(0);
      const limit = (LATE_CUSTOMER_CHANGE_DAYS.max + 1) * DAY_MS;
      expect(Math.max(...lateArchived.map((i) => age(customers.t2[i], i)))).toBeLessThanOrEqual(limit);
      expect(Math.max(...lateRemoved.map((i) => age(customers.vanishAt[i], i)))).toBeLessThanOrEqual(limit);
    });
  });
});
