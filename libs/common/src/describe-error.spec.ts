import { describeError } from './describe-error';

describe(describeError.name, () => {
  it('gives an error its message, and its class name only when asked', () => {
    const error = new TypeError('bad input');
    expect(describeError(error)).toBe('bad input');
    expect(describeError(error, { withName: true })).toBe('TypeError: bad input');
  });

  it('stringifies anything else that was thrown', () => {
    expect(describeError('plain string')).toBe('plain string');
    expect(describeError(42, { withName: true })).toBe('42');
    expect(describeError(undefined)).toBe('undefined');
  });
});
