/**
 * Every assumption about PartnerStack data that partnerstack-api.md marks as inferred [I] or open, in one place,
 * so a correction from the live API changes one line here.
 */

/** [I] Offer `type` values (partnerships `offers[]`) that mean a percentage of revenue; compared lower-cased. */
export const PERCENTAGE_OFFER_TYPES: readonly string[] = ['revenue_share', 'percentage', 'percent', 'rev_share'];

/** [I] Offer `type` values that mean a fixed amount per event; compared lower-cased. */
export const FLAT_OFFER_TYPES: readonly string[] = ['flat', 'flat_fee', 'fixed', 'cpa', 'bounty', 'one_time'];

/** [I] A reward whose `source.type` is one of these was earned from a transaction: recurring revenue share. */
export const RECURRING_REWARD_SOURCE_TYPES: readonly string[] = ['transaction'];

/** [I] Reward `source.type` values whose `source.key` is the transaction (billing record) key. */
export const TRANSACTION_SOURCE_TYPES: readonly string[] = ['transaction'];

/**
 * [I] §4.1 "One-time vs recurring: no such field", §11: a reward's kind, derived in this order (first match wins):
 * - `clawback`: a negative amount ([C] §11: a vendor reverses a reward with a negative one);
 * - `drip`: the reward carries a drip series (`drip.occurrences`, [I] the field's name and shape);
 * - `recurring`: `source.type` is one of RECURRING_REWARD_SOURCE_TYPES (a trigger firing per transaction);
 * - `signup`, `action`, `manual_bonus`: `source.type` (lower-cased) is one of the lists below;
 * - `one_time`: anything else (a one-off reward whose source we cannot name).
 */
export const REWARD_KIND_SOURCE_TYPES = {
  signup: ['signup', 'customer', 'lead', 'referral'],
  action: ['action'],
  manual_bonus: ['manual', 'bonus'],
} as const;

/**
 * [I] §11: a clawback's description names the reward it reverses, as the sandbox writes it ("Clawback of rwrd_…:
 * reason"); PartnerStack's own wording is unknown ([C] only "its description carries the reason"). The first match
 * group is the reversed reward's key; a clawback whose description does not match stays unlinked.
 */
export const CLAWBACK_DESCRIPTION_PATTERN = /^\s*clawback of (rwrd_[A-Za-z0-9]+)\b/i;

/**
 * [I] §11 "Offers change silently": an offer version is in force from its `created_at` when the offer gives one
 * (open question: whether offers carry it), else from the source time (`updated_at`) of the first partnership
 * version that shows it, on the assumption that an offer change moves the partnership's `updated_at`. It ends by the
 * source time of the first partnership version known after its last one (which no longer shows it), or at the
 * `valid_from` of an offer that first appeared after it, if earlier (the replacement's creation is the change). A
 * version whose partnership later shows no offers at all is never closed: nothing is known to have replaced it.
 */
export const OFFER_VALID_FROM = { fromOfferCreatedAt: true } as const;

/**
 * [I] Currency assumed when a money field comes without one (PSB: reward "amount in cents (USD)";
 * deals and leads carry no currency at all).
 */
export const CURRENCY_WHEN_ABSENT = 'USD';

/**
 * [C]/[O] Amounts are integers in the currency's minor unit ("amount in cents for specified currency"); for
 * zero-decimal currencies (JPY, KRW, …) that unit is the currency itself, so amounts are stored as given.
 * The exponents are kept for readers that format amounts.
 */
export const ZERO_DECIMAL_CURRENCIES: readonly string[] = [
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'PYG',
  'RWF',
  'UGX',
  'UYI',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
];
export const THREE_DECIMAL_CURRENCIES: readonly string[] = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];

export function minorUnitExponent(currency: string): number {
  if (ZERO_DECIMAL_CURRENCIES.includes(currency)) return 0;
  if (THREE_DECIMAL_CURRENCIES.includes(currency)) return 3;
  return 2;
}

/** [I] Our referral status, from the customer's `archived` and `has_paid` (there is no partner-visible status). */
export function referralStatusOf(customer: { archived: boolean; hasPaid: boolean | null }): string {
  if (customer.archived) return 'archived';
  if (customer.hasPaid) return 'converted';
  return 'referred';
}

/**
 * [I] Reward `payout_id` is PartnerStack's numeric payout id (ADB model); the payout list may expose it as `id`.
 * A reward is linked to the payout whose property here (`sourceId` holds the payout's `id`) equals it.
 */
export const PAYOUT_REFERENCE_PROPERTIES = ['sourceId', 'externalKey'] as const;

/** Bounds that catch epoch seconds sent where milliseconds are expected, and other garbage. */
export const EPOCH_MS_MIN = Date.UTC(1990, 0, 1);
export const EPOCH_MS_MAX = Date.UTC(2200, 0, 1);
