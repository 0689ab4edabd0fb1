import { Injectable } from '@nestjs/common';

import { programRef } from '../common/program-ref';
import { ReportingDatabase } from '../database/reporting-database.service';
import { and, join, raw, Sql, sql, table, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { convertFigures } from '../summary/in-currency';
import {
  EarningsDto,
  EarningsQueryDto,
  EarningsTotalDto,
  MoneyCountDto,
  ProgramEarningsDto,
  UnmatchedPayoutDto,
  UnmatchedRewardDto,
} from './earnings.dto';

/**
 * Which PartnerStack reward statuses each figure counts (partnerstack-api.md §4.1, §11: "Pending approval",
 * "Available to withdraw"; drip occurrences are `scheduled`). A reward in a status not listed counts in `earned` only.
 */
export const EARNINGS_STATUSES = {
  declined: 'declined',
  scheduled: ['scheduled'],
  pending: ['pending', 'hold'],
  approved: ['approved'],
  paid: ['paid'],
} as const;

const FIGURES = ['earned', 'scheduled', 'pending', 'approved', 'paid', 'clawedBack', 'payouts'] as const;
type Figure = (typeof FIGURES)[number];
/** A figure's columns are named in snake case: PostgreSQL folds unquoted names to lower case. */
const column = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

interface EarningsRow extends Record<string, unknown> {
  partnership_id: string | null;
  currency: string;
  balance: number;
  paid_rewards_count: number;
  paid_rewards_amount: number;
  program_id: string | null;
  program_external_key: string | null;
  program_name: string | null;
}

const moneyCount = (count: number, amount: number): MoneyCountDto => ({ count: Number(count), amount: Number(amount) });
const sameProgram = (alias: string, other: string) =>
  sql`${raw(alias)}.partnership_id is not distinct from ${raw(other)}.partnership_id`;
/** The rewards' figures of `w`, zero where a program has payouts only. */
const REWARD_FIGURES = raw(
  [...FIGURES.filter((name) => name !== 'payouts'), 'paid_rewards']
    .map(column)
    .flatMap((name) => [
      `coalesce(w.${name}_count, 0) as ${name}_count`,
      `coalesce(w.${name}_amount, 0) as ${name}_amount`,
    ])
    .join(', '),
);

/** One figure's count and sum over the rewards `r` matching `condition`. */
function figure(name: string, condition: Sql): Sql {
  const count = `${column(name)}_count`;
  const amount = `${column(name)}_amount`;
  return sql`count(*) filter (where ${condition}) as ${raw(count)},
   coalesce(sum(r.amount) filter (where ${condition}), 0) as ${raw(amount)}`;
}

/**
 * Every payout with its program and the sum of the rewards that name it. [I] A payout is one program's withdrawal
 * (partnerstack-api.md §11); when PartnerStack names no program on it, it is the program of its rewards if they all
 * share one. `paid_at`: when it was sent, or else created.
 */
export function locatedPayouts(): Sql {
  return sql`select o.id, o.external_key, o.amount, o.currency, coalesce(o.partnership_id, c.partnership_id) as partnership_id,
   coalesce(o.sent_at, o.source_created_at, o.created_at) as paid_at,
   coalesce(c.amount, 0) as rewards_amount
  from ${table('payout', 'o')}
  left join (
    select l.payout_id, sum(l.amount) as amount,
           case when count(distinct l.partnership_id) = 1 then (array_agg(distinct l.partnership_id))[1] end
             as partnership_id
      from ${table('reward', 'l')}
     where ${tenant('l')} and l.payout_id is not null and l.removed_upstream_at is null
     group by 1) c on c.payout_id = o.id
 where ${tenant('o')} and o.removed_upstream_at is null`;
}

@Injectable()
export class EarningsRepository {
  constructor(private readonly database: ReportingDatabase) {}

  public async report(scope: TenantScope, query: EarningsQueryDto): Promise<EarningsDto> {
    const ofProgram = (alias: string) =>
      query.programId !== undefined && sql`${raw(alias)}.partnership_id = ${query.programId}::uuid`;
    const byProgram = (alias: string) =>
      and([tenant(alias), sql`${raw(alias)}.removed_upstream_at is null`, ofProgram(alias)]);
    const positive = sql`r.amount >= 0 and coalesce(r.reward_status, '') <> ${EARNINGS_STATUSES.declined}`;
    const inStatuses = (statuses: readonly string[]) => sql`r.amount >= 0 and r.reward_status = any(${[...statuses]})`;
    const conditions: Array<[string, Sql]> = [
      ['earned', positive],
      ['scheduled', inStatuses(EARNINGS_STATUSES.scheduled)],
      ['pending', inStatuses(EARNINGS_STATUSES.pending)],
      ['approved', inStatuses(EARNINGS_STATUSES.approved)],
      ['paid', inStatuses(EARNINGS_STATUSES.paid)],
      ['clawedBack', sql`r.amount < 0 and coalesce(r.reward_status, '') <> ${EARNINGS_STATUSES.declined}`],
      ['balance', sql`r.reward_status = any(${[...EARNINGS_STATUSES.approved]})`],
    ];
    const [rows, unmatchedRewards, unmatchedPayouts, converted] = await Promise.all([
      this.database.many<EarningsRow>(
        scope,
        sql`with rewards as (
  select r.partnership_id, r.currency,
   ${figure('earned', positive)},
   ${figure('scheduled', inStatuses(EARNINGS_STATUSES.scheduled))},
   ${figure('pending', inStatuses(EARNINGS_STATUSES.pending))},
   ${figure('approved', inStatuses(EARNINGS_STATUSES.approved))},
   ${figure('paid', inStatuses(EARNINGS_STATUSES.paid))},
   ${figure('clawedBack', sql`r.amount < 0 and coalesce(r.reward_status, '') <> ${EARNINGS_STATUSES.declined}`)},
   ${figure('paid_rewards', sql`r.reward_status = any(${[...EARNINGS_STATUSES.paid]})`)},
   coalesce(sum(r.amount) filter (where r.reward_status = any(${[...EARNINGS_STATUSES.approved]})), 0) as balance
    from ${table('reward', 'r')} where ${byProgram('r')}
   group by 1, 2
), payouts as (
  select y.partnership_id, y.currency, count(*) as payouts_count, sum(y.amount) as payouts_amount
    from (${locatedPayouts()}) y where ${and([ofProgram('y')])}
   group by 1, 2
), keys as (
  select partnership_id, currency from rewards union select partnership_id, currency from payouts
)
select k.partnership_id, k.currency,
  ${REWARD_FIGURES},
  coalesce(w.balance, 0) as balance,
  coalesce(y.payouts_count, 0) as payouts_count, coalesce(y.payouts_amount, 0) as payouts_amount,
  pp.id as program_id, pp.external_key as program_external_key,
  coalesce(pg.name, pp.raw #>> '{company,name}') as program_name
  from keys k
  left join rewards w on ${sameProgram('w', 'k')} and w.currency = k.currency
  left join payouts y on ${sameProgram('y', 'k')} and y.currency = k.currency
  left join ${table('partnership', 'pp')} on pp.id = k.partnership_id and ${tenant('pp')}
  left join ${table('program', 'pg')} on pg.id = pp.program_id and ${tenant('pg')}
 order by pp.external_key nulls last, k.currency`,
      ),
      this.database.many<UnmatchedRewardDto & { partnership_id: string | null; currency: string }>(
        scope,
        sql`select r.id, r.external_key as "externalKey", r.amount, r.payout_ref as "payoutRef", r.partnership_id, r.currency
  from ${table('reward', 'r')}
 where ${byProgram('r')} and r.reward_status = any(${[...EARNINGS_STATUSES.paid]}) and r.payout_id is null
 order by r.external_key`,
      ),
      this.database.many<UnmatchedPayoutDto & { partnership_id: string | null; currency: string }>(
        scope,
        sql`select y.id, y.external_key as "externalKey", y.amount, y.rewards_amount as "rewardsAmount",
       y.partnership_id, y.currency
  from (${locatedPayouts()}) y
 where ${and([sql`y.amount is distinct from y.rewards_amount`, ofProgram('y')])}
 order by y.external_key`,
      ),
      query.currency === undefined
        ? undefined
        : convertFigures(
            this.database,
            scope,
            sql`select x.figure, r.currency, (coalesce(r.source_created_at, r.created_at) at time zone 'UTC')::date as day,
     sum(r.amount) as amount
    from ${table('reward', 'r')}
   cross join lateral (values ${join(conditions.map(([name, condition]) => sql`(${name}::text, ${condition})`))})
     x(figure, applies)
   where ${and([byProgram('r'), sql`x.applies`])}
   group by 1, 2, 3
  union all
  select 'payouts', y.currency, (y.paid_at at time zone 'UTC')::date, sum(y.amount)
    from (${locatedPayouts()}) y where ${and([ofProgram('y')])} group by 1, 2, 3`,
            [...FIGURES, 'balance'] as const,
            query.currency,
          ),
    ]);
    const report = assemble(rows, unmatchedRewards, unmatchedPayouts);
    if (!converted || query.currency === undefined) return report;
    return {
      ...report,
      inCurrency: {
        currency: query.currency,
        ...converted.totals,
        rates: converted.rates,
        withoutRate: converted.withoutRate,
      },
    };
  }
}

type Located<T> = T & { partnership_id: string | null; currency: string };

function assemble(
  rows: EarningsRow[],
  unmatchedRewards: Located<UnmatchedRewardDto>[],
  unmatchedPayouts: Located<UnmatchedPayoutDto>[],
): EarningsDto {
  const at = (row: { partnership_id: string | null; currency: string }) => `${row.partnership_id}\u0000${row.currency}`;
  const group = <T extends { partnership_id: string | null; currency: string }>(list: T[]) => {
    const byKey = new Map<string, T[]>();
    for (const item of list) byKey.set(at(item), [...(byKey.get(at(item)) ?? []), item]);
    return byKey;
  };
  const rewardsAt = group(unmatchedRewards);
  const payoutsAt = group(unmatchedPayouts);
  const programs: ProgramEarningsDto[] = rows.map((row) => {
    const figures = Object.fromEntries(
      FIGURES.map((name) => [
        name,
        moneyCount(row[`${column(name)}_count`] as number, row[`${column(name)}_amount`] as number),
      ]),
    ) as Record<Figure, MoneyCountDto>;
    const paidRewards = moneyCount(row.paid_rewards_count, row.paid_rewards_amount);
    return {
      program: programRef(row),
      currency: row.currency,
      ...figures,
      balance: Number(row.balance),
      withdrawalBlocked: Number(row.balance) < 0,
      reconciliation: {
        paidRewards,
        payouts: figures.payouts,
        difference: figures.payouts.amount - paidRewards.amount,
        unmatchedRewards: (rewardsAt.get(at(row)) ?? []).map(({ id, externalKey, amount, payoutRef }) => ({
          id,
          externalKey,
          amount: Number(amount),
          payoutRef,
        })),
        unmatchedPayouts: (payoutsAt.get(at(row)) ?? []).map(({ id, externalKey, amount, rewardsAmount }) => ({
          id,
          externalKey,
          amount: Number(amount),
          rewardsAmount: Number(rewardsAmount),
        })),
      },
    };
  });
  const totals = new Map<string, EarningsTotalDto>();
  for (const program of programs) {
    const total = totals.get(program.currency) ?? {
      currency: program.currency,
      ...(Object.fromEntries(FIGURES.map((name) => [name, moneyCount(0, 0)])) as Record<Figure, MoneyCountDto>),
      balance: 0,
      programsWithdrawalBlocked: 0,
    };
    for (const name of FIGURES) {
      total[name].count += program[name].count;
      total[name].amount += program[name].amount;
    }
    total.balance += program.balance;
    if (program.withdrawalBlocked) total.programsWithdrawalBlocked++;
    totals.set(program.currency, total);
  }
  return { programs, totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)) };
}
