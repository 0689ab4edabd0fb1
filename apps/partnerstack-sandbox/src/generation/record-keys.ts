import { KEY_BODY_LENGTH } from '../sandbox.constants';
import { fmixPair, type Seed } from './prng';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TWO_32 = 4294967296;
const HALF_BITS = 40;
const HALF_MASK_HIGH = 0xff;
const ROUNDS = 4;

function xor40(a: number, b: number): number {
  const high = (Math.floor(a / TWO_32) ^ Math.floor(b / TWO_32)) & HALF_MASK_HIGH;
  const low = ((a >>> 0) ^ (b >>> 0)) >>> 0;
  return high * TWO_32 + low;
}

function round40(seed: Seed, salt: number, round: number, value: number): number {
  const [high, low] = fmixPair(seed[round % 4] ^ salt, Math.floor(value / TWO_32) ^ round, value >>> 0);
  return (high & HALF_MASK_HIGH) * TWO_32 + low;
}

function toBase62(value: bigint): string {
  let out = '';
  for (let i = 0; i < KEY_BODY_LENGTH; i++) {
    out = ALPHABET[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out;
}

function fromBase62(text: string): bigint | null {
  let value = 0n;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) return null;
    value = value * 62n + BigInt(digit);
  }
  return value;
}

/**
 * Record keys that look random but decode back to the record's index: a Feistel permutation of
 * (index, per-stream check value) over 80 bits, printed as 14 base-62 characters. Cursors therefore need no
 * key index, and a foreign or forged key fails the check.
 */
export class RecordKeyCodec {
  private readonly check: number;

  constructor(
    private readonly seed: Seed,
    private readonly prefix: string,
    private readonly salt: number,
  ) {
    this.check = round40(seed, salt, 7, salt * 7919 + 17);
  }

  public encode(index: number): string {
    let left = index;
    let right = this.check;
    for (let round = 0; round < ROUNDS; round++) {
      [left, right] = [right, xor40(left, round40(this.seed, this.salt, round, right))];
    }
    return `${this.prefix}_${toBase62((BigInt(left) << BigInt(HALF_BITS)) | BigInt(right))}`;
  }

  /** The index a key stands for, or null when it is not a key of this agency's stream. */
  public decode(key: string): number | null {
    if (!key.startsWith(`${this.prefix}_`)) return null;
    const body = key.slice(this.prefix.length + 1);
    if (body.length !== KEY_BODY_LENGTH) return null;
    const value = fromBase62(body);
    if (value === null || value >= 1n << BigInt(2 * HALF_BITS)) return null;
    let left = Number(value >> BigInt(HALF_BITS));
    let right = Number(value & ((1n << BigInt(HALF_BITS)) - 1n));
    for (let round = ROUNDS - 1; round >= 0; round--) {
      [left, right] = [xor40(right, round40(this.seed, this.salt, round, left)), left];
    }
    return right === this.check ? left : null;
  }
}

/** A stable key for a small thing (a group, an offer) that is never used as a cursor. */
export function opaqueKey(seed: Seed, prefix: string, salt: number, index: number): string {
  const [high, low] = fmixPair(seed[1] ^ salt, index, seed[3] ^ index);
  const [high2, low2] = fmixPair(seed[2] ^ salt, high, low);
  const value = (BigInt(high) << 48n) | (BigInt(low) << 16n) | BigInt(high2 & 0xffff) | (BigInt(low2) << 64n);
  return `${prefix}_${toBase62(value % 62n ** BigInt(KEY_BODY_LENGTH))}`;
}
