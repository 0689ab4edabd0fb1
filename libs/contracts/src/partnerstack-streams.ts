/** Every list stream of PartnerStack's Partner API that we sync (partnerstack-api.md §2.1). */
export const PARTNERSTACK_STREAMS = [
  'partnerships',
  'customers',
  'transactions',
  'rewards',
  'payouts',
  'actions',
  'marketplace_programs',
  'deals',
  'leads',
] as const;

export type PartnerStackStream = (typeof PARTNERSTACK_STREAMS)[number];

export function isPartnerStackStream(value: string): value is PartnerStackStream {
  return (PARTNERSTACK_STREAMS as readonly string[]).includes(value);
}
