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

/**
 * How a decline reason bears on a claim (issue 15). `expected`: PartnerStack declined on purpose and a claim cannot
 * win it back (the customer refunded, the customer was already referred, the partner referred itself), so it stays
 * visible but outside the amount at stake. `claimable`: every other reason, unknown and missing ones included, since
 * a claim is how the agency finds out. Inferred from the decline reasons PartnerStack shows partners
 * (partnerstack-api.md §11, "declined with the decline reason"; no list of them is documented): matched lower-cased
 * and trimmed, exactly.
 */
export const EXPECTED_DECLINE_REASONS = {
  refunded: ['customer refunded', 'refunded', 'refund'],
  duplicate: ['duplicate customer', 'duplicate', 'duplicate referral'],
  self_referral: ['self-referral', 'self referral'],
} as const;
export type ExpectedDeclineKind = keyof typeof EXPECTED_DECLINE_REASONS;

/** Every expected decline reason, lower-cased: what the reporting service binds as a parameter. */
export const EXPECTED_DECLINE_REASON_VALUES: readonly string[] = Object.values(EXPECTED_DECLINE_REASONS).flat();

/** Which kind of expected decline a PartnerStack decline reason is, or null when a claim can recover it. */
export function expectedDeclineKind(declineReason: string | null | undefined): ExpectedDeclineKind | null {
  const normalized = declineReason?.trim().toLowerCase();
  if (!normalized) return null;
  const kinds = Object.keys(EXPECTED_DECLINE_REASONS) as ExpectedDeclineKind[];
  return kinds.find((kind) => (EXPECTED_DECLINE_REASONS[kind] as readonly string[]).includes(normalized)) ?? null;
}

/**
 * Days after a missed reward's transaction within which a program still fixes it when claimed, unless the program
 * says otherwise. [3P] partnerstack-api.md §11: one PartnerStack-powered program backdates commissions 60 days and
 * counts older referrals for future activity only. [open] The partner API shows no per-program window, so every
 * program gets the reporting service's MISSED_REWARD_CLAIM_DAYS (this value by default).
 */
export const DEFAULT_MISSED_REWARD_CLAIM_DAYS = 60;

/**
 * The smallest MISSED_REWARD_AFTER_DAYS or MISSED_REWARD_STUCK_DAYS the reporting service accepts. A candidate of a
 * reason on such a clock that PartnerStack settles sooner was never missed, so the lifecycle does not keep it.
 */
export const MIN_MISSED_REWARD_THRESHOLD_DAYS = 1;

/**
 * The states of a missed reward's lifecycle. `open`: detected, its claim deadline ahead. `resolved`: PartnerStack
 * later created or corrected the reward (Migration20261204100000MissedRewardClaims records when, and how much came
 * back). `expired`: still missed after its claim deadline.
 */
export const MISSED_REWARD_STATES = ['open', 'resolved', 'expired'] as const;
export type MissedRewardState = (typeof MISSED_REWARD_STATES)[number];

/**
 * Which offer a missed-reward row's rate comes from (issue 14). `in_force`: the revenue-share offer in force when the
 * transaction happened (commission-rule history). `first_seen`: the transaction is older than every offer version
 * kept, so it is judged by the first one seen, which may not be the one that applied.
 */
export const RATE_BASES = ['in_force', 'first_seen'] as const;
export type RateBasis = (typeof RATE_BASES)[number];
