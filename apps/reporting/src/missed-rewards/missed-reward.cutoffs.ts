/**
 * The time thresholds of the missed-reward rules, applied when the report is read so that the precomputed
 * candidates never go stale. The rules themselves are SQL (Migration20261202180000MissedRewardRules); which
 * threshold applies to which reason is MISSED_REWARD_CLOCKS in @pp/domain.
 */

export interface MissedRewardThresholds {
  /** A transaction with no reward this many days after it happened is a missed reward. */
  afterDays: number;
  /** A reward pending or on hold for longer than this is stuck. */
  stuckDays: number;
}

export interface MissedRewardCutoffs {
  /** Transactions and paying customers created before this instant should have a reward by now. */
  rewardDueBefore: Date;
  /** Undecided rewards created before this instant are stuck. */
  stuckBefore: Date;
}

const DAY_MS = 86_400_000;

export function missedRewardCutoffs(now: Date, thresholds: MissedRewardThresholds): MissedRewardCutoffs {
  return {
    rewardDueBefore: new Date(now.getTime() - thresholds.afterDays * DAY_MS),
    stuckBefore: new Date(now.getTime() - thresholds.stuckDays * DAY_MS),
  };
}
