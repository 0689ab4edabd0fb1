/**
 * One stream's records as parallel typed arrays (about 52 bytes a record), in creation order: index order is
 * `created_at` order, and ties keep index order, which is the sandbox's deterministic tiebreak. Fields whose
 * meaning differs per stream (`t1`..`t3`, `fate`, `extra`) are documented where the stream is generated.
 */
export class EventTable {
  public length = 0;
  public createdAt: Float64Array;
  public vanishAt: Float64Array;
  public t1: Float64Array;
  public t2: Float64Array;
  public t3: Float64Array;
  public ref: Int32Array;
  public amount: Int32Array;
  public partnership: Uint8Array;
  public currency: Uint8Array;
  public fate: Uint8Array;
  public extra: Uint8Array;

  constructor(capacity: number) {
    const size = Math.max(16, Math.ceil(capacity));
    this.createdAt = new Float64Array(size);
    this.vanishAt = new Float64Array(size);
    this.t1 = new Float64Array(size);
    this.t2 = new Float64Array(size);
    this.t3 = new Float64Array(size);
    this.ref = new Int32Array(size);
    this.amount = new Int32Array(size);
    this.partnership = new Uint8Array(size);
    this.currency = new Uint8Array(size);
    this.fate = new Uint8Array(size);
    this.extra = new Uint8Array(size);
  }

  public add(createdAt: number): number {
    if (this.length === this.createdAt.length) this.grow();
    const index = this.length++;
    this.createdAt[index] = createdAt;
    this.vanishAt[index] = Infinity;
    this.t1[index] = Infinity;
    this.t2[index] = Infinity;
    this.t3[index] = Infinity;
    this.ref[index] = -1;
    return index;
  }

  /** First index whose `created_at` is >= time (or > time when `exclusive`). */
  public lowerBound(time: number, exclusive = false): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const value = this.createdAt[middle];
      if (value < time || (exclusive && value === time)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  public isVisible(index: number, now: number): boolean {
    return this.createdAt[index] <= now && this.vanishAt[index] > now;
  }

  public bytes(): number {
    return this.createdAt.length * (5 * 8 + 2 * 4 + 4);
  }

  private grow(): void {
    const size = this.createdAt.length * 2;
    const widen = <T extends Float64Array | Int32Array | Uint8Array>(array: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(array);
      return next;
    };
    this.createdAt = widen(this.createdAt, (n) => new Float64Array(n));
    this.vanishAt = widen(this.vanishAt, (n) => new Float64Array(n));
    this.t1 = widen(this.t1, (n) => new Float64Array(n));
    this.t2 = widen(this.t2, (n) => new Float64Array(n));
    this.t3 = widen(this.t3, (n) => new Float64Array(n));
    this.ref = widen(this.ref, (n) => new Int32Array(n));
    this.amount = widen(this.amount, (n) => new Int32Array(n));
    this.partnership = widen(this.partnership, (n) => new Uint8Array(n));
    this.currency = widen(this.currency, (n) => new Uint8Array(n));
    this.fate = widen(this.fate, (n) => new Uint8Array(n));
    this.extra = widen(this.extra, (n) => new Uint8Array(n));
  }
}
