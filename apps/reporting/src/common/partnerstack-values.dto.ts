import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';

import type { ValueFilter } from './api-list.decorator';

/*
 * Value sets PartnerStack owns. They are open: a value PartnerStack adds reaches the frontend as given, so the
 * contract lists the known ones as `x-extensible-enum` (Zalando's convention) and never closes them with `enum`.
 * Sources: /work/shared/partnerstack-api.md §4.
 */
export const KNOWN_REWARD_STATUSES = ['scheduled', 'pending', 'hold', 'approved', 'declined', 'paid'] as const;
export const KNOWN_PAYMENT_STATUSES = [
  'available',
  'in_transit',
  'withdrawn',
  'paid_and_refunded',
  'paid_externally',
  'expired',
  'failed',
  'merging',
] as const;
export const KNOWN_PARTNERSHIP_STATUSES = ['active'] as const;
export const KNOWN_PAYOUT_STATUSES = ['successful'] as const;
export const KNOWN_LEAD_STATUSES = ['open', 'closed', 'dead', 'closed won', 'closed lost'] as const;

/** The `status`-like filter of a list over one of PartnerStack's value sets. */
export function partnerStackFilter(name: string, known: readonly string[], field: string): ValueFilter {
  return {
    name,
    values: known,
    open: true,
    description: `Only this ${field}, exactly as PartnerStack gives it. Known values: ${known.join(', ')}; others may appear.`,
  };
}

/** A string from an open set: the values known today as `x-extensible-enum`, so clients keep unknown ones. */
export function ApiExtensibleEnum(
  known: readonly string[],
  options: { description: string; nullable?: boolean },
): PropertyDecorator {
  // The options type drops the schema's `x-` extensions; swagger copies them into the schema as given.
  return ApiProperty({
    type: String,
    ...(options.nullable ? { nullable: true } : {}),
    'x-extensible-enum': [...known],
    description: options.description,
  } as ApiPropertyOptions);
}

/** A string PartnerStack chose, documented with the values known today and open to others. */
export function ApiPartnerStackValue(
  known: readonly string[],
  options: { description: string; nullable?: boolean },
): PropertyDecorator {
  return ApiExtensibleEnum(known, {
    nullable: options.nullable,
    description: `${options.description}. Known values: ${known.join(', ')}; PartnerStack may send others, which are passed on as given.`,
  });
}
