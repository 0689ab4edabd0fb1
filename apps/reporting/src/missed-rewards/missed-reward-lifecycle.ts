/**
 * Claim deadlines and the lifecycle of a missed reward, applied when read (as the time thresholds are): the refresh
 * stores only facts (first sighting, resolution, recovered amount) in `report_missed_reward_lifecycle`
 * (Migration20261204100000MissedRewardClaims); whether one counts as missed yet, its deadline and whether that
 * passed depend on the service's settings and on the time of the request.
 */
import {
  EXPECTED_DECLINE_REASON_VALUES,
  DECLINED_REWARD_STATUS,
  MISSED_REWARD_CLOCKS,
  MissedRewardReason,
  MissedRewardState,
  reasonsOnClock,
} from '@pp/domain';

import { Sql, sql, tenant } from '../database/sql';
import { MissedRewardThresholds } from './missed-reward.cutoffs';

export interface MissedRewardClaimSettings extends MissedRewardThresholds {
  /** A missed reward can be claimed this many days after its transaction (MISSED_REWARD_CLAIM_DAYS). */
  claimDays: number;
}

const DAY_MS = 86_400_000;

/** Days a reason waits before its candidate counts as missed (0 for those missed at once). */
export function clockDays(reason: MissedRewardReason, thresholds: MissedRewardThresholds): number {
  const clock = MISSED_REWARD_CLOCKS[reason];
  return clock === 'immediate' ? 0 : clock === 'stuck' ? thresholds.stuckDays : thresholds.afterDays;
}

/**
 * When the candidate became a missed reward: its first sighting, or the moment its threshold passed if it was seen
 * earlier (a transaction seen on its first day is missed only once its reward is overdue). Stable across refreshes.
 */
export function detectedAt(
  reason: MissedRewardReason,
  referenceAt: Date,
  firstSeenAt: Date,
  thresholds: MissedRewardThresholds,
): Date {
  const due = referenceAt.getTime() + clockDays(reason, thresholds) * DAY_MS;
  return new Date(Math.max(due, firstSeenAt.getTime()));
}

export function claimDeadline(basisAt: Date, claimDays: number): Date {
  return new Date(basisAt.getTime() + claimDays * DAY_MS);
}

/** Whole days left to claim (a part-day counts as one); 0 once the deadline has passed. */
export function daysLeft(deadline: Date, now: Date): number {
  return Math.max(0, Math.ceil((deadline.getTime() - now.getTime()) / DAY_MS));
}

export function lifecycleState(resolvedAt: Date | null, deadline: Date, now: Date): MissedRewardState {
  if (resolvedAt) return 'resolved';
  return deadline.getTime() <= now.getTime() ? 'expired' : 'open';
}

/** The instant before which a transaction's claim window has closed. */
export function claimWindowStart(now: Date, claimDays: number): Date {
  return new Date(now.getTime() - claimDays * DAY_MS);
}

/**
 * Lifecycle rows (alias `l`) that were ever a missed reward: past their reason's threshold now, or, for resolved ones,
 * before PartnerStack resolved them (a reward that came within the grace period was never missed).
 */
export function lifecycleScope(thresholds: MissedRewardThresholds, now: Date): Sql {
  const before = (days: number) => sql`coalesce(l.resolved_at, ${now}::timestamptz) - ${days}::int * interval '1 day'`;
  return sql`${tenant('l')} and (l.reason = any(${reasonsOnClock('immediate')}::text[])
 or (l.reason = any(${reasonsOnClock('stuck')}::text[]) and l.reference_at < ${before(thresholds.stuckDays)})
 or (l.reason = any(${reasonsOnClock('due')}::text[]) and l.reference_at < ${before(thresholds.afterDays)}))`;
}

export function stateCondition(state: MissedRewardState, now: Date, claimDays: number): Sql {
  const windowStart = claimWindowStart(now, claimDays);
  switch (state) {
    case 'resolved':
      return sql`l.resolved_at is not null`;
    case 'expired':
      return sql`l.resolved_at is null and l.basis_at <= ${windowStart}`;
    case 'open':
      return sql`l.resolved_at is null and l.basis_at > ${windowStart}`;
  }
}

/** A reward PartnerStack declined for a reason a claim cannot undo (EXPECTED_DECLINE_REASONS in @pp/domain). */
export function expectedDeclineCondition(): Sql {
  // Never null, so that its negation keeps the rows with no reward or no decline reason.
  return sql`coalesce(l.reward_status = ${DECLINED_REWARD_STATUS}
 and lower(btrim(l.decline_reason)) = any(${EXPECTED_DECLINE_REASON_VALUES}::text[]), false)`;
}
