const DAY_MS = 86_400_000;

export interface ProgramInputs {
  approvalRate: number;
  approvalLagDays: number;
  payoutDay: number;
}

/** Open rewards of one program and currency that share a status and the day they became (or become) pending. */
export interface OpenRewards {
  open: 'approved' | 'pending' | 'scheduled';
  /** YYYY-MM-DD (UTC): created, or ready for a drip occurrence. */
  startDay: string;
  amount: number;
}

const day = (time: number) => new Date(time).toISOString().slice(0, 10);
const addDays = (value: string, days: number) => day(Date.parse(`${value}T00:00:00Z`) + days * DAY_MS);

/** The months (YYYY-MM) a forecast made on `today` covers, the current one first. */
export function forecastMonths(today: string, count: number): string[] {
  const [year, month] = today.split('-').map(Number);
  return Array.from({ length: count }, (_, index) => day(Date.UTC(year, month - 1 + index, 1)).slice(0, 7));
}

/** The first payout strictly after `after`; a payout day past a month's end is its last day. */
export function nextPayout(after: string, payoutDay: number): string {
  const [year, month] = after.split('-').map(Number);
  for (let index = 0; ; index++) {
    const lastDay = new Date(Date.UTC(year, month + index, 0)).getUTCDate();
    const candidate = day(Date.UTC(year, month - 1 + index, Math.min(payoutDay, lastDay)));
    if (candidate > after) return candidate;
  }
}

/**
 * Expected payouts per month (`months`, then everything after as `later`), in minor units: see FORECAST_METHOD. A
 * month whose total is not positive pays nothing and carries its total to the next.
 */
export function schedule(
  today: string,
  months: string[],
  inputs: ProgramInputs,
  open: OpenRewards[],
): { months: number[]; later: number } {
  const buckets = new Map<string, number>();
  for (const group of open) {
    const approved =
      group.open === 'approved' ? today : [addDays(group.startDay, inputs.approvalLagDays), today].sort()[1];
    const weight = group.open === 'approved' ? 1 : inputs.approvalRate;
    const month = nextPayout(approved, inputs.payoutDay).slice(0, 7);
    const key = months.includes(month) ? month : 'later';
    buckets.set(key, (buckets.get(key) ?? 0) + group.amount * weight);
  }
  let carry = 0;
  const expected = months.map((month) => {
    const total = carry + (buckets.get(month) ?? 0);
    carry = total > 0 ? 0 : total;
    return total > 0 ? Math.round(total) : 0;
  });
  return { months: expected, later: Math.round(carry + (buckets.get('later') ?? 0)) };
}
