import { BadRequestException } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsISO8601, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

const booleanFlag = ({ value }: { value: unknown }) =>
  value === true || value === 'true' || value === '1'
    ? true
    : value === false || value === 'false' || value === '0'
      ? false
      : value;

/**
 * Years a `from`/`to` may name: a date past 9998 would overflow when `to` is widened to the next day, and PostgreSQL
 * would answer a 500 for what is bad input.
 */
const SUPPORTED_YEAR = /^(19[7-9]\d|[2-8]\d{3}|9[0-8]\d{2}|99[0-8]\d|999[0-8])-/;
const supportedYear = (field: string) =>
  Matches(SUPPORTED_YEAR, { message: `${field} must be between 1970-01-01 and 9998-12-31` });

/** Filters every report and list understands. */
export class ScopeQueryDto {
  @ApiPropertyOptional({ description: 'Only this program (our id, as in /v1/programs)', format: 'uuid' })
  @IsOptional()
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'programId must be an id' })
  programId?: string;

  @ApiPropertyOptional({ description: 'Created at or after (ISO date or date-time, UTC)', example: '2026-01-01' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @supportedYear('from')
  from?: string;

  @ApiPropertyOptional({
    description: 'Created before the end of this date (ISO date), or before this instant (ISO date-time)',
    example: '2026-01-31',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  @supportedYear('to')
  to?: string;

  @ApiPropertyOptional({ description: 'Include records PartnerStack no longer returns', default: false })
  @IsOptional()
  @Transform(booleanFlag)
  @IsBoolean()
  includeRemoved?: boolean;
}

export class ListQueryDto extends ScopeQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque; the nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  cursor?: string;

  @ApiPropertyOptional({ description: "PartnerStack's status string, exactly as PartnerStack gives it" })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  status?: string;

  @ApiPropertyOptional({ description: 'Text search (names, e-mails, PartnerStack keys)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ description: 'Sort column, `-` prefix for descending', example: '-createdAt' })
  @IsOptional()
  @Matches(/^[-+]?[A-Za-z]+$/)
  sort?: string;

  @ApiPropertyOptional({
    description: 'With `Accept: text/csv`: start the file with a UTF-8 byte order mark, so Excel reads accented names',
    default: false,
  })
  @IsOptional()
  @Transform(booleanFlag)
  @IsBoolean()
  bom?: boolean;
}

export interface CreatedRange {
  from?: Date;
  /** Exclusive upper bound. */
  toExclusive?: Date;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** `to` given as a date covers that whole day (UTC); as a date-time it is the exclusive end. */
export function createdRange(query: ScopeQueryDto): CreatedRange {
  const from = query.from ? new Date(query.from) : undefined;
  let toExclusive: Date | undefined;
  if (query.to) {
    toExclusive = new Date(query.to);
    if (DATE_ONLY.test(query.to)) toExclusive = new Date(toExclusive.getTime() + DAY_MS);
  }
  if (from && Number.isNaN(from.getTime())) throw new BadRequestException('from is not a valid date');
  if (toExclusive && Number.isNaN(toExclusive.getTime())) throw new BadRequestException('to is not a valid date');
  if (from && toExclusive && from >= toExclusive) throw new BadRequestException('from must be before to');
  return { from, toExclusive };
}

/** Reports are pre-aggregated per UTC day, so their range must be whole days. */
export function dayRange(query: ScopeQueryDto): { fromDay?: string; toDayExclusive?: string } {
  for (const [name, value] of [
    ['from', query.from],
    ['to', query.to],
  ] as const) {
    if (value !== undefined && !DATE_ONLY.test(value)) {
      throw new BadRequestException(`${name} must be a date (YYYY-MM-DD) for reports`);
    }
  }
  const { from, toExclusive } = createdRange(query);
  return { fromDay: from?.toISOString().slice(0, 10), toDayExclusive: toExclusive?.toISOString().slice(0, 10) };
}

export function pageSize(query: ListQueryDto): number {
  return query.limit ?? DEFAULT_PAGE_SIZE;
}
