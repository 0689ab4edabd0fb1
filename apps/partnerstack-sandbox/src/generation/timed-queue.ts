/**
 * Future events of the generator (a clawback at a refund, a clawback waiting for a payout run), served in time
 * order and, at equal times, in the order they were scheduled, so draining is deterministic however the caller
 * slices time. A binary heap: only a few percent of records ever schedule anything.
 */
export class TimedQueue<T> {
  private readonly heap: Array<{ time: number; order: number; item: T }> = [];
  private scheduled = 0;

  public get size(): number {
    return this.heap.length;
  }

  /** When the earliest entry is due; Infinity when there is none. */
  public get nextTime(): number {
    return this.heap.length === 0 ? Infinity : this.heap[0].time;
  }

  public push(time: number, item: T): void {
    const heap = this.heap;
    heap.push({ time, order: this.scheduled++, item });
    let child = heap.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.before(child, parent)) break;
      [heap[child], heap[parent]] = [heap[parent], heap[child]];
      child = parent;
    }
  }

  /** Removes and returns the earliest entry if its time is before `time` (or at it, when `inclusive`). */
  public popBefore(time: number, inclusive: boolean): { time: number; item: T } | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const first = heap[0];
    if (first.time > time || (!inclusive && first.time === time)) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let parent = 0;
      for (;;) {
        const left = parent * 2 + 1;
        const right = left + 1;
        let smallest = parent;
        if (left < heap.length && this.before(left, smallest)) smallest = left;
        if (right < heap.length && this.before(right, smallest)) smallest = right;
        if (smallest === parent) break;
        [heap[smallest], heap[parent]] = [heap[parent], heap[smallest]];
        parent = smallest;
      }
    }
    return { time: first.time, item: first.item };
  }

  private before(a: number, b: number): boolean {
    const left = this.heap[a];
    const right = this.heap[b];
    return left.time < right.time || (left.time === right.time && left.order < right.order);
  }
}
