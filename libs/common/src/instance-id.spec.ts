import { hostname } from 'node:os';

import { newInstanceId } from './instance-id';

describe(newInstanceId.name, () => {
  it('names the host and process, with a suffix that tells two ids of one process apart', () => {
    const first = newInstanceId();
    const second = newInstanceId();
    expect(first).toMatch(
      new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${process.pid}:[0-9a-f]{6}$`),
    );
    expect(second).not.toBe(first);
  });
});
