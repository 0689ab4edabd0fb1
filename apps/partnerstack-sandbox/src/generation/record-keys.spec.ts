import { seedFrom } from './prng';
import { RecordKeyCodec } from './record-keys';

describe(RecordKeyCodec.name, () => {
  const codec = new RecordKeyCodec(seedFrom('a'), 'rwrd', 3);

  it('encodes indexes as prefix_ + 14 alphanumerics and decodes them back', () => {
    for (const index of [0, 1, 2, 250, 99_999, 1_000_000, 2 ** 31]) {
      const key = codec.encode(index);
      expect(key).toMatch(/^rwrd_[0-9A-Za-z]{14}$/);
      expect(codec.decode(key)).toBe(index);
    }
    expect(codec.encode(1)).not.toBe(codec.encode(2));
  });

  it('rejects keys of another agency, another stream or made up', () => {
    const key = codec.encode(5);
    expect(new RecordKeyCodec(seedFrom('b'), 'rwrd', 3).decode(key)).toBeNull();
    expect(new RecordKeyCodec(seedFrom('a'), 'rwrd', 4).decode(key)).toBeNull();
    expect(codec.decode('rwrd_AAAAAAAAAAAAAA')).toBeNull();
    expect(codec.decode('rwrd_short')).toBeNull();
    expect(codec.decode('cus_AAAAAAAAAAAAAA')).toBeNull();
  });
});
