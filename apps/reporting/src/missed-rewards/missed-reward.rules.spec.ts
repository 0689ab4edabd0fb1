import {
  amountAtStake,
  describeMissedReward,
  expectedCommission,
  isPayingCustomerWithoutReward,
  isUnrewardedTransaction,
  missedRewardCutoffs,
  revenueShareRate,
  rewardMissedReasons,
} from './missed-reward.rules';

const now = new Date('2026-06-30T00:00:00Z');
const cutoffs = missedRewardCutoffs(now, { afterDays: 30, stuckDays: 60 });
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

describe('missed reward rules', () => {
  it('turns the thresholds into cutoff instants', () => {
    expect(cutoffs.rewardDueBefore.toISOString()).toBe('2026-05-31T00:00:00.000Z');
    expect(cutoffs.stuckBefore.toISOString()).toBe('2026-05-01T00:00:00.000Z');
  });

  it('reads the revenue-share rate from offers, ignoring flat ones', () => {
    expect(
      revenueShareRate([
        { type: 'flat', baseRate: 50 },
        { type: 'revenue_share', baseRate: '20' },
      ]),
    ).toBe(20);
    expect(revenueShareRate([{ type: 'Percentage', baseRate: 12.5 }])).toBe(12.5);
    expect(revenueShareRate([{ type: 'flat', baseRate: 5000 }])).toBeNull();
    expect(revenueShareRate([{ type: 'revenue_share', baseRate: 'n/a' }])).toBeNull();
    expect(revenueShareRate([])).toBeNull();
  });

  it('computes the expected commission rounded half away from zero', () => {
    expect(expectedCommission(4900, 20)).toBe(980);
    expect(expectedCommission(1005, 10)).toBe(101);
    expect(expectedCommission(333, 12.5)).toBe(42);
    expect(expectedCommission(-1005, 10)).toBe(-101);
  });

  it('flags a transaction with no reward only past the grace period, unrefunded, on a revenue-share program', () => {
    const base = { amount: 10_000, createdAt: daysAgo(31), refunded: false, rewardCount: 0, ratePercent: 20 };
    expect(isUnrewardedTransaction(base, cutoffs)).toBe(true);
    expect(isUnrewardedTransaction({ ...base, createdAt: daysAgo(29) }, cutoffs)).toBe(false);
    expect(isUnrewardedTransaction({ ...base, refunded: true }, cutoffs)).toBe(false);
    expect(isUnrewardedTransaction({ ...base, rewardCount: 1 }, cutoffs)).toBe(false);
    expect(isUnrewardedTransaction({ ...base, ratePercent: null }, cutoffs)).toBe(false);
    expect(isUnrewardedTransaction({ ...base, amount: 0 }, cutoffs)).toBe(false);
  });

  it('classifies rewards: declined, stuck, payment failed, below the rule', () => {
    const base = {
      amount: 1000,
      rewardStatus: 'approved',
      paymentStatus: 'available',
      createdAt: daysAgo(90),
      expectedAmount: 1000,
    };
    expect(rewardMissedReasons(base, cutoffs)).toEqual([]);
    expect(rewardMissedReasons({ ...base, rewardStatus: 'declined', amount: 10 }, cutoffs)).toEqual([
      'reward_declined',
    ]);
    expect(rewardMissedReasons({ ...base, rewardStatus: 'hold' }, cutoffs)).toEqual(['reward_stuck']);
    expect(rewardMissedReasons({ ...base, rewardStatus: 'pending', createdAt: daysAgo(59) }, cutoffs)).toEqual([]);
    expect(rewardMissedReasons({ ...base, paymentStatus: 'expired' }, cutoffs)).toEqual(['reward_payment_failed']);
    expect(rewardMissedReasons({ ...base, amount: 998 }, cutoffs)).toEqual(['reward_below_rule']);
    expect(rewardMissedReasons({ ...base, amount: 999 }, cutoffs)).toEqual([]);
    expect(rewardMissedReasons({ ...base, expectedAmount: null, amount: 1 }, cutoffs)).toEqual([]);
    expect(rewardMissedReasons({ ...base, rewardStatus: 'mystery_status' }, cutoffs)).toEqual([]);
  });

  it('flags a paying customer with no reward unless its transactions were already reported', () => {
    const base = { hasPaid: true, rewardCount: 0, createdAt: daysAgo(40), reportedPerTransaction: false };
    expect(isPayingCustomerWithoutReward(base, cutoffs)).toBe(true);
    expect(isPayingCustomerWithoutReward({ ...base, hasPaid: false }, cutoffs)).toBe(false);
    expect(isPayingCustomerWithoutReward({ ...base, rewardCount: 2 }, cutoffs)).toBe(false);
    expect(isPayingCustomerWithoutReward({ ...base, reportedPerTransaction: true }, cutoffs)).toBe(false);
    expect(isPayingCustomerWithoutReward({ ...base, createdAt: daysAgo(10) }, cutoffs)).toBe(false);
  });

  it('puts the shortfall at stake for underpaid rewards and the whole amount otherwise', () => {
    expect(amountAtStake('reward_below_rule', { actualAmount: 700, expectedAmount: 1000 })).toBe(300);
    expect(amountAtStake('reward_declined', { actualAmount: 700, expectedAmount: 1000 })).toBe(700);
    expect(amountAtStake('transaction_without_reward', { actualAmount: null, expectedAmount: 2000 })).toBe(2000);
    expect(amountAtStake('paying_customer_without_reward', { actualAmount: null, expectedAmount: null })).toBeNull();
  });

  it('names the decline reason', () => {
    expect(describeMissedReward('reward_declined', { declineReason: 'duplicate customer' })).toBe(
      'Reward declined: duplicate customer',
    );
    expect(describeMissedReward('reward_declined', {})).toBe('Reward declined (no reason given)');
  });
});
