/**
 * The vocabulary of the missed-reward rules. The rules themselves are SQL, in one place: the functions that
 * Migration20261202180000MissedRewardRules installs (`domain.refresh_tenant_missed_rewards` and the view
 * `domain.report_revenue_share_rate`), which interpolate these constants; test/integration/missed-rewards runs
 * each rule's cases against them. The reporting service applies the time thresholds of `MISSED_REWARD_CLOCKS` when
 * it reads the candidates. Changing a value here changes what the next fresh database installs only: ship it with a
 * migration that installs the rules again.
 */

export const MISSED_REWARD_REASONS = [
  'transaction_without_reward',
  'reward_below_rule',
  'reward_declined',
  'reward_stuck',
  'paying_customer_without_reward',
  'reward_payment_failed',
] as const;
export type MissedRewardReason = (typeof MISSED_REWARD_REASONS)[number];

/**
 * When a candidate counts as missed: `immediate` as soon as it exists, `stuck` once older than
 * MISSED_REWARD_STUCK_DAYS, `due` once older than MISSED_REWARD_AFTER_DAYS (the reward should have come by then).
 */
export type MissedRewardClock = 'immediate' | 'stuck' | 'due';
export const MISSED_REWARD_CLOCKS: Readonly<Record<MissedRewardReason, MissedRewardClock>> = {
  transaction_without_reward: 'due',
  reward_below_rule: 'immediate',
  reward_declined: 'immediate',
  reward_stuck: 'stuck',
  paying_customer_without_reward: 'due',
  reward_payment_failed: 'immediate',
};

export function reasonsOnClock(clock: MissedRewardClock): MissedRewardReason[] {
  return MISSED_REWARD_REASONS.filter((reason) => MISSED_REWARD_CLOCKS[reason] === clock);
}

/** The PartnerStack reward status of a reward that will not be paid. */
export const DECLINED_REWARD_STATUS = 'declined';
/** PartnerStack reward statuses that mean "not decided yet" (a reward waiting in them too long is stuck). */
export const UNDECIDED_REWARD_STATUSES = ['pending', 'hold'] as const;
/** PartnerStack payment statuses after which the money never arrives. */
export const FAILED_PAYMENT_STATUSES = ['failed', 'expired'] as const;
/** Offer types (compared lower-cased) that pay a share of each transaction; values PartnerStack has shown or documented. */
export const REVENUE_SHARE_OFFER_TYPES = ['revenue_share', 'percentage', 'percent'] as const;
/** A reward this many minor units below the rule still counts as paid in full (rounding on PartnerStack's side). */
export const UNDERPAYMENT_TOLERANCE_MINOR = 1;
