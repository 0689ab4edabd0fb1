import { emailDomain, toLinkKeys } from './link-keys';

describe('link keys', () => {
  it('takes the domain after the last @, lower-cased, and none from what is not an address', () => {
    expect(emailDomain('Owner@Acme.Example')).toBe('acme.example');
    expect(emailDomain('"a@b"@shop.example')).toBe('shop.example');
    expect(emailDomain('no-at-sign')).toBeUndefined();
    expect(emailDomain('trailing@')).toBeUndefined();
  });

  it("merges the record's own e-mails with its referrals', lower-cased, each once, sorted", () => {
    const keys = toLinkKeys(
      {
        referral_count: 2,
        customer_keys: ['cus_b', 'cus_a'],
        referral_emails: ['billing@acme.example', 'owner@acme.example'],
        programs: [
          { id: 'p2', externalKey: 'part_z', name: null },
          { id: 'p1', externalKey: 'part_a', name: 'Shopwise' },
        ],
      },
      ['Owner@ACME.example', null, 'ceo@other.example'],
    );
    expect(keys).toEqual({
      emailDomains: ['acme.example', 'other.example'],
      emails: ['billing@acme.example', 'ceo@other.example', 'owner@acme.example'],
      customerKeys: ['cus_a', 'cus_b'],
      programs: [
        { id: 'p1', externalKey: 'part_a', name: 'Shopwise' },
        { id: 'p2', externalKey: 'part_z', name: null },
      ],
    });
  });
});
