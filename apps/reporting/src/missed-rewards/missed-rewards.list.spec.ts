import { describeMissedReward } from './missed-rewards.list';

describe('missed reward descriptions', () => {
  it('names the decline reason, or says there was none', () => {
    expect(describeMissedReward('reward_declined', { declineReason: 'duplicate customer' })).toBe(
      'Reward declined: duplicate customer',
    );
    expect(describeMissedReward('reward_declined', {})).toBe('Reward declined (no reason given)');
  });

  it('says which threshold or status made the candidate a missed reward', () => {
    expect(describeMissedReward('reward_stuck', { status: 'hold', days: 60 })).toBe(
      "Reward still 'hold' after more than 60 days",
    );
    expect(describeMissedReward('transaction_without_reward', { ratePercent: 20, days: 30 })).toBe(
      'Paid transaction with no reward after 30 days (rule: 20% revenue share)',
    );
    expect(describeMissedReward('reward_payment_failed', { status: 'expired' })).toBe('Reward payment expired');
  });
});
