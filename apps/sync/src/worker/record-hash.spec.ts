import { recordHash } from './record-hash';

describe(recordHash.name, () => {
  it('ignores the order of fields, at any depth', () => {
    const a = { key: 'cus_1', updated_at: 1, company: { id: 1, name: 'A' }, sub_ids: ['x', 'y'] };
    const b = { sub_ids: ['x', 'y'], company: { name: 'A', id: 1 }, updated_at: 1, key: 'cus_1' };
    expect(recordHash(a)).toBe(recordHash(b));
  });

  it('changes when any value changes, including array order and nested values', () => {
    const base = { key: 'cus_1', has_paid: false, sub_ids: ['x', 'y'], company: { id: 1 } };
    const hash = recordHash(base);
    expect(recordHash({ ...base, has_paid: true })).not.toBe(hash);
    expect(recordHash({ ...base, sub_ids: ['y', 'x'] })).not.toBe(hash);
    expect(recordHash({ ...base, company: { id: 2 } })).not.toBe(hash);
    expect(recordHash({ ...base, extra: null })).not.toBe(hash);
  });

  it('is 16 hex characters (64 bits)', () => {
    expect(recordHash({ key: 'k' })).toMatch(/^[0-9a-f]{16}$/);
  });
});
