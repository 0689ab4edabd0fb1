import { missedRewardCutoffs } from './missed-reward.cutoffs';

describe('missed reward cutoffs', () => {
  it('turns the thresholds into cutoff instants', () => {
    const cutoffs = missedRewardCutoffs(new Date('2026-06-30T00:00:00Z'), { afterDays: 30, stuckDays: 60 });
    expect(cutoffs.rewardDueBefore.toISOString()).toBe('2026-05-31T00:00:00.000Z');
    expect(cutoffs.stuckBefore.toISOString()).toBe('2026-05-01T00:00:00.000Z');
  });
});
