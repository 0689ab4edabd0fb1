/**
 * What the forecast assumes where the data is silent. [C] support article 360009501113 (partnerstack-api.md §11):
 * payouts go out on the 13th unless the vendor keeps its own schedule, so a program with no payout yet is assumed
 * to pay on the 13th. [I] A program with no decided reward yet is assumed to approve every reward, and one with no
 * observed approval to take PartnerStack's usual window for it (§3.6: rewards leave pending within ~45 days).
 */
export const FORECAST_ASSUMPTIONS = {
  payoutDayWithoutPayouts: 13,
  approvalRateWithoutDecisions: 1,
  approvalLagDaysWithoutApprovals: 45,
} as const;

/** How many calendar months the forecast covers, the current one first. */
export const FORECAST_MONTHS = 3;

export const FORECAST_METHOD =
  'For each program and currency: approved rewards (clawbacks included) are paid on the next payout day; pending, ' +
  'on-hold and scheduled (drip, not yet ready) rewards are weighted by the approval rate, approved approvalLagDays ' +
  'after they became pending (created, or ready for a drip occurrence; today at the earliest) and paid on the ' +
  'first payout day after that. A month whose expected total is not positive pays nothing (a negative balance ' +
  'blocks withdrawals) and carries it to the next. approvalRate: approved or paid over decided rewards, from ' +
  "status history; approvalLagDays: the median whole days from pending to approved over the program's observed " +
  'approvals; payoutDay: the most common day of the month of its payouts (the earliest of equals).';
