import { EXPECTED_DECLINE_REASON_VALUES, expectedDeclineKind } from './missed-rewards';

describe('expected declines', () => {
  it('sorts PartnerStack decline reasons into expected kinds, whatever their case and spacing', () => {
    expect(expectedDeclineKind('Customer refunded')).toBe('refunded');
    expect(expectedDeclineKind('  DUPLICATE CUSTOMER ')).toBe('duplicate');
    expect(expectedDeclineKind('Self-referral')).toBe('self_referral');
  });

  it('leaves unknown and missing reasons claimable', () => {
    expect(expectedDeclineKind('Outside attribution window')).toBeNull();
    expect(expectedDeclineKind('Fraudulent activity')).toBeNull();
    expect(expectedDeclineKind('refunded twice')).toBeNull();
    expect(expectedDeclineKind(null)).toBeNull();
    expect(expectedDeclineKind('   ')).toBeNull();
  });

  it('binds the same reasons the classification matches, lower-cased and trimmed', () => {
    for (const value of EXPECTED_DECLINE_REASON_VALUES) {
      expect(value).toBe(value.trim().toLowerCase());
      expect(expectedDeclineKind(value)).not.toBeNull();
    }
  });
});
