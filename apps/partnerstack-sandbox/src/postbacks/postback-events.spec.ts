import { Agency } from '../agencies/agency';
import { seedFrom } from '../generation/prng';
import { DAY_MS, POSTBACK_EVENTS } from '../sandbox.constants';
import { postbackBatch } from './postback-events';

describe(postbackBatch.name, () => {
  const agency = new Agency(
    'fp',
    seedFrom('postback-events'),
    { records: 5000, daysAdvanced: 0, dealsVisible: null, leadsVisible: null, faults: {}, postbackUrl: null },
    { clockStart: Date.UTC(2026, 5, 1), historyDays: 365 },
  );
  const from = agency.now;
  agency.advance(20);
  const to = agency.now;

  it('names every action and reward created in the span, oldest first, when within budget', () => {
    const { calls, coalesced } = postbackBatch(agency, from, to, 100_000);
    const { actions, rewards } = agency.data;
    const created = (table: typeof actions) => table.lowerBound(to, true) - table.lowerBound(from, true);
    expect(coalesced).toBe(0);
    expect(calls.filter((call) => call.event === POSTBACK_EVENTS.action)).toHaveLength(created(actions));
    expect(calls.filter((call) => call.event === POSTBACK_EVENTS.reward)).toHaveLength(created(rewards));
    expect(calls.length).toBeGreaterThan(20);
    const times = calls.map((call) => call.data.created_at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times.every((time) => time > from && time <= to)).toBe(true);
    for (const call of calls.filter((candidate) => candidate.event === POSTBACK_EVENTS.reward)) {
      const index = agency.views.codecs.rewards.decode(call.data.key)!;
      expect(rewards.createdAt[index]).toBe(call.data.created_at);
    }
  });

  it('sends the oldest events and the newest one beyond the budget, counting the rest as coalesced', () => {
    const all = postbackBatch(agency, from, to, 100_000).calls;
    const { calls, coalesced } = postbackBatch(agency, from, to, 20);
    expect(calls).toHaveLength(20);
    expect(coalesced).toBe(all.length - 20);
    expect(calls.slice(0, 19)).toEqual(all.slice(0, 19));
    expect(calls[19].data.created_at).toBe(all[all.length - 1].data.created_at);
  });

  it('has nothing to send for an empty span', () => {
    expect(postbackBatch(agency, to, to, 20)).toEqual({ calls: [], coalesced: 0 });
    expect(to - from).toBe(20 * DAY_MS);
  });
});
