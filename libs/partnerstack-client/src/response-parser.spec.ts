import { PartnerStackInvalidRecordError } from './partnerstack.errors';
import { MalformedPageError, parsePage, retryAfterMs, upstreamMessage } from './response-parser';

describe('parsePage', () => {
  it('keeps unknown fields and enum values and accepts missing optional fields', () => {
    const page = parsePage(
      'rewards',
      JSON.stringify({
        data: {
          items: [{ key: 'rwrd_1', reward_status: 'brand_new_status', surprise: { nested: true } }, { key: 'rwrd_2' }],
          has_more: true,
          total: 99,
        },
        message: 'ok',
        status: 200,
      }),
    );
    expect(page).toEqual({
      items: [{ key: 'rwrd_1', reward_status: 'brand_new_status', surprise: { nested: true } }, { key: 'rwrd_2' }],
      hasMore: true,
    });
  });

  it('refuses a record without a key, naming the stream', () => {
    const body = JSON.stringify({ data: { items: [{ key: 'cus_1' }, { name: 'no key' }], has_more: false } });
    expect(() => parsePage('customers', body)).toThrow(PartnerStackInvalidRecordError);
    expect(() => parsePage('customers', body)).toThrow(/'customers' record without a key \(item 1/);
  });

  it.each(['{"data": {"items": [', '<html>bad gateway</html>', '{"data": {}}', 'null'])(
    'treats %s as a malformed (retryable) body',
    (body) => {
      expect(() => parsePage('payouts', body)).toThrow(MalformedPageError);
    },
  );

  it('reads has_more false when absent', () => {
    expect(parsePage('actions', '{"data":{"items":[]}}').hasMore).toBe(false);
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe('upstreamMessage', () => {
  it('scrubs the token should an error body echo it', () => {
    expect(upstreamMessage('{"message":"bad token sandbox_xyz","status":400}', 'sandbox_xyz')).toBe(
      'bad token [REDACTED]',
    );
  });
});
