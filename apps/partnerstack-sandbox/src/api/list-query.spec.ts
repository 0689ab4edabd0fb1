import { InvalidListQueryError, parseListQuery } from './list-query';

describe('parseListQuery', () => {
  it('applies the documented defaults', () => {
    expect(parseListQuery('customers', {})).toEqual({
      limit: 10,
      startingAfter: undefined,
      endingBefore: undefined,
      orderBy: '-created_at',
      minCreated: undefined,
      maxCreated: undefined,
      includeOffers: false,
      includeArchived: false,
      filters: {},
    });
  });

  it('reads each endpoint its own filters', () => {
    const rewards = parseListQuery('rewards', {
      status: 'pending',
      currency: 'JPY',
      order_by: '-amount',
      min_created: '5',
    });
    expect(rewards).toMatchObject({
      orderBy: '-amount',
      minCreated: 5,
      filters: { status: 'pending', currency: 'JPY' },
    });
    expect(parseListQuery('partnerships', { include_offers: 'true', min_created: '5' })).toMatchObject({
      includeOffers: true,
      minCreated: undefined,
    });
  });

  it.each([
    [{ limit: '0' }],
    [{ limit: '251' }],
    [{ limit: '2.5' }],
    [{ starting_after: 'a', ending_before: 'b' }],
    [{ order_by: 'amount' }],
    [{ max_created: 'soon' }],
    [{ limit: ['1', '2'] }],
  ])('refuses %j on customers', (query) => {
    expect(() => parseListQuery('customers', query)).toThrow(InvalidListQueryError);
  });
});
