import { DEFAULT_MISSED_REWARD_CLAIM_DAYS } from '@pp/domain';

/**
 * What the insight events take PartnerStack's words to mean (partnerstack-api.md marks these inferred or open).
 * `payoutSentStatuses`: [I] a payout is sent once its status is one of these (the sandbox says `successful`).
 * `partnershipArchivedValue`: the `archived` flag as status history stores it.
 * `deadlineNearDays`: issue 15 asks for a warning at seven days left.
 * `missedRewardAfterDays`, `missedRewardStuckDays`, `claimDays`: when a candidate counts as missed and how long it can
 * be claimed. They are the reporting service's settings (MISSED_REWARD_AFTER_DAYS, MISSED_REWARD_STUCK_DAYS,
 * MISSED_REWARD_CLAIM_DAYS) at their defaults, so the events agree with the report a deployment shows by default.
 */
export const INSIGHT_ASSUMPTIONS = {
  payoutSentStatuses: ['successful', 'paid', 'sent', 'complete', 'completed'],
  partnershipArchivedValue: 'true',
  deadlineNearDays: 7,
  missedRewardAfterDays: 30,
  missedRewardStuckDays: 60,
  claimDays: DEFAULT_MISSED_REWARD_CLAIM_DAYS,
} as const;
