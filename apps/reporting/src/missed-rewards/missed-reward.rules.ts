/**
 * What counts as a missed reward. Pure functions: the refresh SQL applies the same definitions set-wise to
 * precompute candidates, and the service applies the time thresholds here at request time.
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

/** PartnerStack reward statuses that mean "not decided yet" (a reward waiting in them too long is stuck). */
export const UNDECIDED_REWARD_STATUSES = ['pending', 'hold'] as const;
export const DECLINED_REWARD_STATUS = 'declined';
/** PartnerStack payment statuses after which the money never arrives. */
export const FAILED_PAYMENT_STATUSES = ['failed', 'expired'] as const;
/** Offer types that pay a share of each transaction; values PartnerStack has shown or documented. */
export const REVENUE_SHARE_OFFER_TYPES = ['revenue_share', 'percentage', 'percent'] as const;
/** A reward this many minor units below the rule still counts as paid in full (rounding on PartnerStack's side). */
export const UNDERPAYMENT_TOLERANCE_MINOR = 1;

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

export interface Offer {
  type?: string | null;
  baseRate?: number | string | null;
}

/** The percentage (e.g. 20 for 20 %) of a program's revenue-share offer, or null when it pays no revenue share. */
export function revenueShareRate(offers: Offer[]): number | null {
  for (const offer of offers) {
    const type = (offer.type ?? '').toLowerCase();
    const rate = typeof offer.baseRate === 'string' ? Number.parseFloat(offer.baseRate) : offer.baseRate;
    if ((REVENUE_SHARE_OFFER_TYPES as readonly string[]).includes(type) && typeof rate === 'number' && rate > 0) {
      return rate;
    }
  }
  return null;
}

/** The reward the rule promises for a transaction, in the transaction's minor units, rounded half away from zero. */
export function expectedCommission(transactionAmountMinor: number, ratePercent: number): number {
  const exact = (transactionAmountMinor * ratePercent) / 100;
  return Math.sign(exact) * Math.round(Math.abs(exact));
}

export interface TransactionFacts {
  amount: number;
  createdAt: Date;
  refunded: boolean;
  rewardCount: number;
  ratePercent: number | null;
}

/** A paid, unrefunded transaction on a revenue-share program with no reward once the grace period is over. */
export function isUnrewardedTransaction(facts: TransactionFacts, cutoffs: MissedRewardCutoffs): boolean {
  return (
    !facts.refunded &&
    facts.amount > 0 &&
    facts.ratePercent !== null &&
    facts.rewardCount === 0 &&
    facts.createdAt < cutoffs.rewardDueBefore
  );
}

export interface RewardFacts {
  amount: number;
  rewardStatus: string | null;
  paymentStatus: string | null;
  createdAt: Date;
  /** The rule's expected amount for the reward's transaction, in the reward's currency; null when unknown. */
  expectedAmount: number | null;
}

/** Every reason a reward counts as missed money; usually none, at most a few (declined and underpaid exclude each other). */
export function rewardMissedReasons(facts: RewardFacts, cutoffs: MissedRewardCutoffs): MissedRewardReason[] {
  const reasons: MissedRewardReason[] = [];
  const status = facts.rewardStatus ?? '';
  if (status === DECLINED_REWARD_STATUS) reasons.push('reward_declined');
  if ((UNDECIDED_REWARD_STATUSES as readonly string[]).includes(status) && facts.createdAt < cutoffs.stuckBefore) {
    reasons.push('reward_stuck');
  }
  if ((FAILED_PAYMENT_STATUSES as readonly string[]).includes(facts.paymentStatus ?? '')) {
    reasons.push('reward_payment_failed');
  }
  if (
    status !== DECLINED_REWARD_STATUS &&
    facts.expectedAmount !== null &&
    facts.amount < facts.expectedAmount - UNDERPAYMENT_TOLERANCE_MINOR
  ) {
    reasons.push('reward_below_rule');
  }
  return reasons;
}

/** What the agency stands to lose: the shortfall for an underpaid reward, the whole reward or expectation otherwise. */
export function amountAtStake(
  reason: MissedRewardReason,
  facts: { actualAmount: number | null; expectedAmount: number | null },
): number | null {
  switch (reason) {
    case 'reward_below_rule':
      return facts.expectedAmount !== null && facts.actualAmount !== null
        ? facts.expectedAmount - facts.actualAmount
        : null;
    case 'transaction_without_reward':
    case 'paying_customer_without_reward':
      return facts.expectedAmount;
    default:
      return facts.actualAmount;
  }
}

export interface CustomerFacts {
  hasPaid: boolean;
  rewardCount: number;
  createdAt: Date;
  /** Its transactions were already reported one by one as `transaction_without_reward`. */
  reportedPerTransaction: boolean;
}

/** A customer PartnerStack marks as paying that earned no reward of any kind, past the grace period. */
export function isPayingCustomerWithoutReward(facts: CustomerFacts, cutoffs: MissedRewardCutoffs): boolean {
  return (
    facts.hasPaid &&
    facts.rewardCount === 0 &&
    !facts.reportedPerTransaction &&
    facts.createdAt < cutoffs.rewardDueBefore
  );
}

export function describeMissedReward(
  reason: MissedRewardReason,
  details: { declineReason?: string | null; ratePercent?: number | null; status?: string | null; days?: number },
): string {
  switch (reason) {
    case 'transaction_without_reward':
      return `Paid transaction with no reward after ${details.days} days (rule: ${details.ratePercent}% revenue share)`;
    case 'reward_below_rule':
      return `Reward below the program's ${details.ratePercent}% revenue share rule`;
    case 'reward_declined':
      return `Reward declined${details.declineReason ? `: ${details.declineReason}` : ' (no reason given)'}`;
    case 'reward_stuck':
      return `Reward still '${details.status}' after more than ${details.days} days`;
    case 'paying_customer_without_reward':
      return `Paying customer with no reward at all after ${details.days} days`;
    case 'reward_payment_failed':
      return `Reward payment ${details.status}`;
  }
}
