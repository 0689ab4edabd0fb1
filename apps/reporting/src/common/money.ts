import { ApiProperty } from '@nestjs/swagger';

/**
 * [I] partnerstack-api.md: deal and lead amounts are "in cents" with no currency documented; when PartnerStack
 * gives none we assume USD, like its other money.
 */
export const ASSUMED_CURRENCY_WHEN_MISSING = 'USD';

export class Money {
  @ApiProperty({ description: 'Integer minor units (cents)', example: 4900 })
  amount!: number;

  @ApiProperty({ example: 'USD' })
  currency!: string;
}

export function money(amount: number | null | undefined, currency: string | null | undefined): Money | null {
  return amount === null || amount === undefined || !currency ? null : { amount: Number(amount), currency };
}

/** Sums amounts per currency, in currency order, so totals across currencies are never added together. */
export function totalsByCurrency(rows: Array<{ currency: string | null; amount: number }>): Money[] {
  const totals = new Map<string, number>();
  for (const row of rows) {
    if (!row.currency) continue;
    totals.set(row.currency, (totals.get(row.currency) ?? 0) + Number(row.amount));
  }
  return [...totals.entries()]
    .sort(([left], [right]) => left.localeCompare(right))
    .map(([currency, amount]) => ({ amount, currency }));
}

export function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
