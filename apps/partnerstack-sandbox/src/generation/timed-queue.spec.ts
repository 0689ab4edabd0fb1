import { TimedQueue } from './timed-queue';

describe(TimedQueue.name, () => {
  it('serves entries in time order, ties in scheduling order, and only up to the given time', () => {
    const queue = new TimedQueue<string>();
    const times = [50, 10, 30, 10, 70, 30, 20, 10];
    times.forEach((time, index) => queue.push(time, `${time}:${index}`));
    expect(queue.popBefore(10, false)).toBeUndefined();
    const served: string[] = [];
    for (let entry = queue.popBefore(30, true); entry; entry = queue.popBefore(30, true)) served.push(entry.item);
    expect(served).toEqual(['10:1', '10:3', '10:7', '20:6', '30:2', '30:5']);
    expect(queue.size).toBe(2);
    expect(queue.popBefore(70, false)?.item).toBe('50:0');
    expect(queue.popBefore(70, false)).toBeUndefined();
    expect(queue.popBefore(70, true)?.item).toBe('70:4');
  });
});
