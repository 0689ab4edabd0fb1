import { BadRequestException } from '@nestjs/common';

import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';

import { createdRange, dayRange, ListQueryDto } from './list-query.dto';

describe('list date ranges', () => {
  it('covers the whole `to` day when given as a date, and stops at the instant when given as a date-time', () => {
    expect(createdRange({ from: '2026-02-01', to: '2026-02-10' })).toEqual({
      from: new Date('2026-02-01T00:00:00Z'),
      toExclusive: new Date('2026-02-11T00:00:00Z'),
    });
    expect(createdRange({ to: '2026-02-10T12:00:00Z' })).toEqual({
      from: undefined,
      toExclusive: new Date('2026-02-10T12:00:00Z'),
    });
  });

  it('refuses an empty range', () => {
    expect(() => createdRange({ from: '2026-02-10', to: '2026-02-01' })).toThrow(BadRequestException);
  });

  it('gives reports whole UTC days and refuses date-times', () => {
    expect(dayRange({ from: '2026-01-01', to: '2026-01-31' })).toEqual({
      fromDay: '2026-01-01',
      toDayExclusive: '2026-02-01',
    });
    expect(dayRange({})).toEqual({ fromDay: undefined, toDayExclusive: undefined });
    expect(() => dayRange({ from: '2026-01-01T10:00:00Z' })).toThrow(/date \(YYYY-MM-DD\)/);
  });

  it.each([
    ['9999-12-31', false],
    ['1969-12-31', false],
    ['9998-12-31', true],
    ['1970-01-01T00:00:00Z', true],
  ])('accepts %s as a range bound: %s', async (value, accepted) => {
    const errors = await validate(plainToInstance(ListQueryDto, { from: value, to: value }));
    expect(errors.length === 0).toBe(accepted);
  });
});
