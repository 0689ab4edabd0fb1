/**
 * What the sandbox assumes where partnerstack-api.md is inferred [I] or silent. One named constant per
 * assumption, so a correction from the live API changes one line here.
 */

export const API_PREFIX = 'api/v2';
export const ADMIN_PREFIX = 'admin';

/** Tokens the sandbox accepts; each distinct token is its own agency. */
export const SANDBOX_TOKEN_PATTERN = /^sandbox_\S+$/;

/** [C] `limit` is 1..250 with default 10; [I] outside that range we answer 400 rather than clamping. */
export const DEFAULT_LIMIT = 10;
export const MIN_LIMIT = 1;
export const MAX_LIMIT = 250;

/** [I] open question 7: `min_created` and `max_created` both include the bound. */
export const CREATED_BOUNDS_INCLUSIVE = true;

/**
 * [I] open question 7: a cursor that is not a key of this agency's stream answers 400. A key of a record that
 * has since vanished still works: the page continues from where that record was.
 */
export const UNKNOWN_CURSOR_RESPONSE = 400;

/** [C]/[O] where known, [I] for transactions, actions, deals, leads, offers. Prefix + `_` + 14 alphanumerics. */
export const KEY_PREFIXES = {
  partnerships: 'part',
  customers: 'cus',
  transactions: 'tran',
  rewards: 'rwrd',
  payouts: 'pay',
  actions: 'act',
  marketplace_programs: 'co',
  deals: 'deal',
  leads: 'lead',
  group: 'grup',
  team: 'stck',
  offer: 'ofr',
  invoice: 'invo',
  file: 'file',
} as const;
export const KEY_BODY_LENGTH = 14;

/** [I] §4.1: the vendor enum plus `scheduled` (drip rewards). */
export const REWARD_STATUSES = ['scheduled', 'pending', 'hold', 'approved', 'declined', 'paid'] as const;
/** [D] W-rewards; null while a reward is not yet payable [I]. */
export const PAYMENT_STATUSES = [
  'available',
  'in_transit',
  'withdrawn',
  'paid_and_refunded',
  'paid_externally',
  'expired',
  'failed',
  'merging',
] as const;
export const DECLINE_REASONS = [
  'Duplicate customer',
  'Customer refunded',
  'Self-referral',
  'Outside attribution window',
  'Fraudulent activity',
] as const;
/** The decline reason of a reward whose transaction was refunded before payout. */
export const REFUND_DECLINE_REASON = 'Customer refunded';

/** [D] example `successful`; [I] `processing` for the first day. */
export const PAYOUT_STATUSES = ['processing', 'successful'] as const;
/** [C] support article 360009501113: payouts go out on the 13th of the month. */
export const PAYOUT_DAY_OF_MONTH = 13;
export const PAYOUT_HOUR_UTC = 10;
/**
 * [C] §11 "When money moves": partners can withdraw between the 8th and the 13th depending on the payment method,
 * and some vendors keep custom schedules. [I] Each program pays out on one day of the month, drawn per program from
 * the seed: most on PAYOUT_DAY_OF_MONTH, `earlierShare` of them on one of `earlier` (inside the 8th–13th window),
 * `customShare` on a day of their own (`custom`, outside it; never past the 28th, so every month has it).
 */
export const PROGRAM_PAYOUT_DAYS = {
  earlierShare: 0.25,
  earlier: [8, 9, 10, 11, 12],
  customShare: 0.1,
  custom: [1, 5, 15, 20, 25, 28],
} as const;
/**
 * [C] §11: a partner's balance is kept per program, and a negative one blocks withdrawals from that program.
 * [I] Per program and currency (a program's rewards are in its customers' currencies and never converted), so a
 * payout is one program's withdrawal of one currency in one month, and its id is
 * `((months since year 0) * PAYOUT_PROGRAM_SLOTS + program) * 10 + currency` (an agency joins at most 7 programs).
 */
export const PAYOUT_PROGRAM_SLOTS = 8;

/** [O] vendor vocabulary of deal stages (free text per group) and lead statuses. */
export const DEAL_STAGES = ['Submitted', 'Qualified', 'Closed won', 'Closed lost'] as const;
export const LEAD_STATUSES = ['open', 'closed', 'dead', 'closed won', 'closed lost'] as const;

export const PARTNERSHIP_ORDERS = ['-created_at', 'created_at', '-updated_at', 'updated_at'] as const;
export const CREATED_ORDERS = ['-created_at', 'created_at'] as const;
export const REWARD_ORDERS = ['-created_at', 'created_at', '-amount', 'amount', '-ready_at', 'ready_at'] as const;

/** [I] open question 8: whether partners see deals and leads is open; by default about half the agencies do. */
export const DEALS_AND_LEADS_VISIBLE_SHARE = 0.5;

/** [C] envelope messages. */
export const MESSAGES = {
  page: 'Page returned successfully',
  badRequest: 'Bad Request',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  notFound: 'Not Found',
  tooManyRequests: 'Too many requests',
  serverError: 'Internal Server Error',
  badGateway: 'Bad Gateway',
  unavailable: 'Service Unavailable',
} as const;

/** USD cents per minor unit of each currency (fixed rates, so `amount_usd` is reproducible). JPY has no decimals. */
export const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'JPY'] as const;
export const USD_CENTS_PER_MINOR_UNIT: Readonly<Record<(typeof CURRENCIES)[number], number>> = {
  USD: 1,
  EUR: 1.08,
  GBP: 1.27,
  CAD: 0.73,
  JPY: 0.67,
};

export const DAY_MS = 86_400_000;

/**
 * Records change at any age, not only in the first weeks (issue 12). §3.6 puts reward status changes within ~45
 * days of creation, §6 asks the fake to bump `updated_at` on every change and §11 describes clawbacks; how often
 * the rarer, later changes happen is not documented anywhere [I], so each one is a share and a window here.
 */

/** [I] §3.6: rewards normally leave pending/hold/approved within ~45 days; the sync must re-read a trailing window. */
export const USUAL_REWARD_CHANGE_DAYS = 45;
/**
 * [I] §3.6, §4.1: a share of rewards stays open (pending, hold or approved and unpaid) long past the usual window,
 * for example while a vendor's invoice fails (§11 "a vendor's failed invoice delays every reward on it"), and is
 * then paid on a payout run or declined.
 */
export const LONG_OPEN_REWARD_SHARE = 0.05;
/** [I] Days after creation at which a long-open reward is finally approved, paid or declined. */
export const LONG_OPEN_REWARD_DAYS = { min: 60, max: 240 } as const;
/** [I] Share of long-open rewards that end declined rather than paid. */
export const LONG_OPEN_REWARD_DECLINED_SHARE = 0.3;

/** [I] §4.1, §6: transactions are refunded (`archived: true`) mostly soon after the sale... */
export const EARLY_REFUND_SHARE = 0.06;
export const EARLY_REFUND_DAYS = { min: 1, max: 25 } as const;
/** [I] ...and a tail of them much later, up to 90 days (refund policies of annual plans). */
export const LATE_REFUND_SHARE = 0.025;
export const LATE_REFUND_DAYS = { min: 26, max: 90 } as const;

/**
 * [C] §11 "Clawbacks and Incorrect Rewards": when a transaction whose reward was already paid is refunded, a
 * negative reward of the same amount is booked at the refund (same currency, partnership, customer and source
 * transaction) [I: that PartnerStack books it automatically on a refund, and its wording]. It is `approved` at once
 * and netted into the next payout run of its currency whose total stays above zero ([C] §11: a negative balance
 * blocks withdrawals, so a payout never goes out at or below zero). Balances are per program and currency
 * (PAYOUT_PROGRAM_SLOTS): while a program's clawbacks outweigh what its next payout would pay, that
 * payout is held back, whole, to the program's next payout day.
 */
export const CLAWBACK_DESCRIPTION = (reversedRewardKey: string, reason = 'customer refunded') =>
  `Clawback of ${reversedRewardKey}: ${reason}`;
/**
 * [C] §11 "Clawbacks and Incorrect Rewards": a vendor also reverses a reward it paid in error with a manual negative
 * reward, and a balance may then go below zero (earned $20, clawback $100 → −$80). [I] `share` of the paid one-off
 * (flat) rewards are reversed `days` after their payout, with `reason` in the description; the reward itself stays
 * paid (the funds are the partner's). Should its payout have been held back past that day, the reward is declined
 * with `declineReason` instead. This is what makes negative balances common enough to test.
 */
export const INCORRECT_REWARD_CLAWBACKS = {
  share: 0.1,
  days: { min: 1, max: 10 },
  reason: 'incorrect reward',
  declineReason: 'Duplicate customer',
} as const;

/**
 * [C] §11 "Offers change silently": to change an offer a vendor deletes it and creates a new one; partners earn the
 * new reward "moving forward". [I] As the clock advances past its start (never before, so what a first sync sees is
 * unchanged), `share` of the programs replace their percentage offer up to `maxChanges` times: the first change
 * `firstDays` after the clock start, each further one `gapDays` after the previous. The new offer has a new key, a
 * rate from OFFER_RATES other than the old one, and `created_at` = the change; the old one leaves `offers[]`, and
 * the partnership's `updated_at` moves to the change. Flat offers never change.
 */
export const OFFER_RATES = [10, 15, 20, 25, 30] as const;
export const OFFER_CHANGES = {
  share: 0.5,
  maxChanges: 2,
  firstDays: { min: 3, max: 45 },
  gapDays: { min: 20, max: 90 },
} as const;
/**
 * [I] A vendor error the product must flag as "below the offer": after a rate increase, `share` of the rewards on
 * transactions in the next `days` days keep the old (lower) rate and its description. Planted from the seed, and
 * listed in the ground truth (`perProgram.*.rewardsBelowOffer`).
 */
export const STALE_OFFER_REWARDS = { share: 0.2, days: 30 } as const;

/**
 * [C] §11 "Drip Rewards": a drip reward is created `scheduled`, with a delay before its cycle starts, a cycle
 * length and a number of occurrences (refund windows; a 12-month upfront plan paid monthly). [I] `share` of the
 * transaction rewards are drips; all occurrences of a series are created at the transaction, `scheduled`, splitting
 * the reward's amount (the last takes the remainder); occurrence k (from 0) is ready at
 * `created_at + delayDays + k * cycleDays`, which is its `ready_at`, and then goes pending → approved → paid like
 * any reward; a refund declines the occurrences not yet paid at once. Shapes are drawn per transaction by weight.
 * The reward carries `drip: {occurrence, occurrences, delay_days, cycle_days}` [I] (null on other rewards).
 */
export const DRIP_REWARDS = {
  share: 0.05,
  shapes: [
    { weight: 0.8, delayDays: 30, cycleDays: 0, occurrences: 1 },
    { weight: 0.15, delayDays: 30, cycleDays: 30, occurrences: 3 },
    { weight: 0.05, delayDays: 30, cycleDays: 30, occurrences: 12 },
  ],
} as const;

/** [I] §4.1, §3.6: customers are archived, or deleted upstream (they vanish from the API), at any age too. */
export const LATE_CUSTOMER_ARCHIVE_SHARE = 0.03;
export const LATE_CUSTOMER_REMOVAL_SHARE = 0.01;
export const LATE_CUSTOMER_CHANGE_DAYS = { min: 90, max: 400 } as const;

/**
 * [C] §5, §11: postbacks fire on `action_created` and on reward ("commission") creation; [I] the reward event's
 * name and the body `{"event": …, "data": {"key", "created_at"}}` (the documented event list and payloads are
 * truncated, open question 9). No signature [C-absence].
 */
export const POSTBACK_EVENTS = { action: 'action_created', reward: 'reward_created' } as const;
/** [C] §5, §11: what the dashboard's test button sends. */
export const POSTBACK_TEST_PAYLOAD = { event: 'test', data: { message: 'Test event sent!' } } as const;
/**
 * Sandbox safety, not PartnerStack: calls per advance (beyond it the oldest events are sent and the rest coalesce
 * into one call for the newest), per-call timeout, and the only hosts a postback may target, so the admin API
 * can never aim the sandbox at anything but a test receiver on the same machine.
 */
export const POSTBACK_MAX_CALLS_PER_ADVANCE = 20;
export const POSTBACK_TIMEOUT_MS = 2000;
export const POSTBACK_URL_MAX_LENGTH = 2048;
export const POSTBACK_LOOPBACK_HOSTNAMES = ['localhost', '[::1]'] as const;
export const POSTBACK_LOOPBACK_IPV4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
