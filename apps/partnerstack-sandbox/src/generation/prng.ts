import { createHash } from 'node:crypto';

export type Seed = readonly [number, number, number, number];

/** Four 32-bit words from SHA-256 of a label: the same token gives the same agency on every machine. */
export function seedFrom(label: string): Seed {
  const digest = createHash('sha256').update(label, 'utf8').digest();
  return [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)];
}

/** sfc32: tiny, fast and good enough for synthetic data; its whole state is four numbers. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: Seed) {
    [this.a, this.b, this.c, this.d] = seed;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  public next(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  public int(minInclusive: number, maxInclusive: number): number {
    return minInclusive + Math.floor(this.next() * (maxInclusive - minInclusive + 1));
  }

  public chance(probability: number): boolean {
    return this.next() < probability;
  }

  public pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Two well-mixed 32-bit words from three inputs. */
export function fmixPair(a: number, b: number, c: number): [number, number] {
  const first = fmix((a ^ Math.imul(b, 0x9e3779b1)) >>> 0);
  const second = fmix((first ^ Math.imul(c ^ 0x5bd1e995, 0xcc9e2d51) ^ b) >>> 0);
  return [fmix(first ^ second ^ c), second];
}

/** A 32-bit hash of (seed, salt, index): attributes derived on demand instead of stored. */
export function hash32(seed: Seed, salt: number, index: number): number {
  let h = fmix(seed[0] ^ Math.imul(salt + 1, 0x9e3779b1));
  h = fmix(h ^ (index >>> 0) ^ seed[1]);
  h = fmix(h ^ Math.floor(index / 4294967296) ^ seed[2]);
  return h;
}

/** Uniform in [0, 1) from hash32. */
export function hashUnit(seed: Seed, salt: number, index: number): number {
  return hash32(seed, salt, index) / 4294967296;
}

export function hashPick<T>(seed: Seed, salt: number, index: number, items: readonly T[]): T {
  return items[hash32(seed, salt, index) % items.length];
}
