import { DAY_MS } from '../sandbox.constants';
import { AgencyData } from './agency-data';
import { seedFrom } from './prng';

const shape = { seed: seedFrom('spec'), records: 3000, clockStart: Date.UTC(2026, 5, 1), historyDays: 365 };

describe(AgencyData.name, () => {
  it('generates about the requested number of records, in creation order, some sharing a millisecond', () => {
    const data = new AgencyData(shape);
    expect(data.recordCount()).toBeGreaterThan(2700);
    expect(data.recordCount()).toBeLessThan(3300);
    const created = data.transactions.createdAt.subarray(0, data.transactions.length);
    let ties = 0;
    for (let i = 1; i < created.length; i++) {
      expect(created[i]).toBeGreaterThanOrEqual(created[i - 1]);
      if (created[i] === created[i - 1]) ties++;
    }
    expect(ties).toBeGreaterThan(0);
  });

  it('is the same whether time advances in one step or several', () => {
    const once = new AgencyData(shape);
    once.extendTo(shape.clockStart + 30 * DAY_MS);
    const steps = new AgencyData(shape);
    steps.extendTo(shape.clockStart + 10 * DAY_MS);
    steps.extendTo(shape.clockStart + 30 * DAY_MS);
    expect(steps.rewards.length).toBe(once.rewards.length);
    expect(Array.from(steps.rewards.t2.subarray(0, steps.rewards.length))).toEqual(
      Array.from(once.rewards.t2.subarray(0, once.rewards.length)),
    );
    expect([...steps.payouts.values()]).toEqual([...once.payouts.values()]);
  });
});
