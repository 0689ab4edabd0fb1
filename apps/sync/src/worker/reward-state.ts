import type { PartnerStackRecord } from '@pp/partnerstack-client';

import { FINAL_PAYMENT_STATUSES, FINAL_REWARD_STATUSES, KNOWN_REWARD_STATUSES } from '../sync.constants';

/** What the sync remembers of a reward to find it again once it changed (sync.record_state columns). */
export interface RewardTrace {
  /** It can still change: its reward status or its payment status is not final (unknown statuses are not). */
  open: boolean;
  /** `reward_status/payment_status`, either part empty when absent. */
  status: string;
  /** The value of the rewards list's customer filter that returns it, when it has a customer. */
  customer: string | null;
  /** A negative reward: PartnerStack's clawback of an earlier one (§11). */
  clawback: boolean;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/** The customer filter value of a reward (see REWARD_CUSTOMER_FILTER). */
export function rewardCustomerFilterValue(record: PartnerStackRecord): string | null {
  const customer = record.customer as { key?: unknown } | null | undefined;
  return text(customer?.key);
}

export function rewardStatusPair(status: string | null, paymentStatus: string | null): string {
  return `${status ?? ''}/${paymentStatus ?? ''}`;
}

export function splitRewardStatus(pair: string): { status: string | null; paymentStatus: string | null } {
  const [status, paymentStatus] = pair.split('/');
  return { status: status || null, paymentStatus: paymentStatus || null };
}

export function isOpenRewardStatus(status: string | null, paymentStatus: string | null): boolean {
  if (status === null || !FINAL_REWARD_STATUSES.includes(status)) return true;
  return paymentStatus !== null && !FINAL_PAYMENT_STATUSES.includes(paymentStatus);
}

export function traceReward(record: PartnerStackRecord): RewardTrace {
  const status = text(record.reward_status) ?? text(record.status);
  const paymentStatus = text(record.payment_status);
  return {
    open: isOpenRewardStatus(status, paymentStatus),
    status: rewardStatusPair(status, paymentStatus),
    customer: rewardCustomerFilterValue(record),
    clawback: typeof record.amount === 'number' && record.amount < 0,
  };
}

/**
 * What the open sweep must ask for beyond the known open statuses, from the status pairs of the open rewards seen so
 * far: reward statuses PartnerStack added later (unknown ones are open), and the payment statuses of paid rewards
 * whose payment is still moving (a reward-status sweep never returns those).
 */
export function sweepStatuses(openPairs: readonly string[]): {
  extraOpenStatuses: string[];
  openPaymentStatuses: string[];
} {
  const extraOpenStatuses = new Set<string>();
  const openPaymentStatuses = new Set<string>();
  for (const pair of openPairs) {
    const { status, paymentStatus } = splitRewardStatus(pair);
    if (status !== null && !KNOWN_REWARD_STATUSES.includes(status)) extraOpenStatuses.add(status);
    if (status !== null && FINAL_REWARD_STATUSES.includes(status) && paymentStatus !== null)
      openPaymentStatuses.add(paymentStatus);
  }
  return { extraOpenStatuses: [...extraOpenStatuses].sort(), openPaymentStatuses: [...openPaymentStatuses].sort() };
}
