/**
 * Every list stream of PartnerStack's Partner API that we sync (partnerstack-api.md §2.1), in the order a sync walks
 * them: referenced records before the records that point at them (payouts before rewards), so the normalizer links
 * most rows as they arrive instead of re-linking them later.
 */
export const PARTNERSTACK_STREAMS = [
  'partnerships',
  'customers',
  'transactions',
  'payouts',
  'rewards',
  'actions',
  'marketplace_programs',
  'deals',
  'leads',
] as const;

export type PartnerStackStream = (typeof PARTNERSTACK_STREAMS)[number];

export function isPartnerStackStream(value: string): value is PartnerStackStream {
  return (PARTNERSTACK_STREAMS as readonly string[]).includes(value);
}
