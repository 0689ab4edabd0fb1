import { applyDecorators, BadRequestException } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, Matches } from 'class-validator';

import { dayRange, ScopeQueryDto } from '../common/list-query.dto';
import { Money } from '../common/money';
import { and, raw, Sql, sql, table, tenant } from '../database/sql';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
/** As `from`/`to`: a later year would overflow when a date is widened to the end of its day. */
const SUPPORTED_YEAR = /^(19[7-9]\d|[2-8]\d{3}|9[0-8]\d{2}|99[0-8]\d|999[0-8])-/;

/** The groupings whose key a reward row of `rewardsAsOf` carries. */
export const REWARD_AS_OF_GROUPS = ['program', 'month', 'status'] as const;

export const AS_OF_DESCRIPTION =
  'The rewards as they were then, rebuilt from status history: a date means the end of that day (UTC), a ' +
  'date-time that instant. Rewards created later, or removed upstream before it, are left out';

/** The `asOf` parameter, for the queries that understand it. */
export function ApiAsOf(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ description: AS_OF_DESCRIPTION, example: '2026-03-31' }),
    IsOptional(),
    IsISO8601({ strict: true }),
    Matches(SUPPORTED_YEAR, { message: 'asOf must be between 1970-01-01 and 9998-12-31' }),
  );
}

/** The exclusive end of `asOf`: the next midnight (UTC) for a date, the instant itself for a date-time. */
export function asOfCutoff(asOf: string): Date {
  const instant = new Date(asOf);
  if (Number.isNaN(instant.getTime())) throw new BadRequestException('asOf is not a valid date');
  return DATE_ONLY.test(asOf) ? new Date(instant.getTime() + DAY_MS) : instant;
}

export class UnknownStatusDto {
  @ApiProperty({ type: 'integer', minimum: 0 }) count!: number;
  @ApiProperty({ type: [Money] }) totals!: Money[];
}

export class RewardsAsOfDto {
  @ApiProperty({ format: 'date-time', description: 'The state is the one just before this instant' })
  before!: string;
  @ApiProperty({
    type: UnknownStatusDto,
    description:
      'Rewards that existed then but whose status we first observed later (synced after it changed): counted in ' +
      'the totals, under no status',
  })
  withoutKnownStatus!: UnknownStatusDto;
}

/** A status field's value just before the cutoff: its newest change before it, null when none was observed. */
function statusBefore(field: 'reward_status' | 'payment_status', cutoff: Date, alias: string): Sql {
  return sql`left join lateral (
  select ${raw(alias)}.to_value as value, true as observed from ${table('status_history', alias)}
   where ${tenant(alias)} and ${raw(alias)}.entity_kind = 'reward' and ${raw(alias)}.entity_id = r.id
     and ${raw(alias)}.field = ${field} and ${raw(alias)}.source_time < ${cutoff.toISOString()}::timestamptz
   order by ${raw(alias)}.source_time desc, ${raw(alias)}.observed_at desc limit 1) ${raw(`${alias}_value`)} on true`;
}

/**
 * `(…) <alias>`: the rewards that existed just before `cutoff`, one row each, with the columns of
 * `report_reward_daily` (so a report reads them as it reads the aggregate) and their statuses as they were then;
 * `status_known` is false where no status had been observed by then; `start_day` is when it became (or becomes) pending: created, or ready for a drip occurrence. A reward exists from its creation until it is
 * removed upstream.
 */
export function rewardsAsOf(alias: string, query: ScopeQueryDto, cutoff: Date): Sql {
  const { fromDay, toDayExclusive } = dayRange(query);
  const created = raw(`coalesce(r.source_created_at, r.created_at)`);
  const day = raw(`(coalesce(r.source_created_at, r.created_at) at time zone 'UTC')::date`);
  const before = cutoff.toISOString();
  return sql`(select r.partnership_id, ${day} as day, r.currency,
   s_value.value as reward_status, p_value.value as payment_status,
   r.removed_upstream_at is not null and r.removed_upstream_at < ${before}::timestamptz as removed,
   s_value.observed is not null as status_known,
   (coalesce(r.ready_at, ${created}) at time zone 'UTC')::date as start_day,
   1 as records, r.amount
  from ${table('reward', 'r')}
  ${statusBefore('reward_status', cutoff, 's')}
  ${statusBefore('payment_status', cutoff, 'p')}
 where ${and([
   tenant('r'),
   sql`${created} < ${before}::timestamptz`,
   !query.includeRemoved && sql`(r.removed_upstream_at is null or r.removed_upstream_at >= ${before}::timestamptz)`,
   query.programId !== undefined && sql`r.partnership_id = ${query.programId}::uuid`,
   fromDay !== undefined && sql`${day} >= ${fromDay}::date`,
   toDayExclusive !== undefined && sql`${day} < ${toDayExclusive}::date`,
 ])}) ${raw(alias)}`;
}
