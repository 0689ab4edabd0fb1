import { OPEN_REWARD_STATUSES, REWARD_TRAILING_WINDOW_MS } from '../sync.constants';
import { planPass } from './stream-plan';

const base = { runId: 'run-1', fullSeq: 3, overlapMs: 60_000 };

describe(planPass.name, () => {
  it('reads a stream whole, as a new full pass, on its first sync', () => {
    const pass = planPass({ ...base, stream: 'customers', full: false, watermark: null });
    expect(pass).toMatchObject({ full: true, seen: 4, phaseIndex: 0, cursor: null, removing: false });
    expect(pass.phases).toEqual([{ label: 'all', params: {} }]);
  });

  it('reads partnerships whole on every sync, with offers and archived ones', () => {
    const pass = planPass({ ...base, stream: 'partnerships', full: false, watermark: 5_000_000 });
    expect(pass.full).toBe(true);
    expect(pass.phases[0].params).toEqual({ include_offers: true, include_archived: true });
  });

  it('reads records created since the watermark minus the overlap on an incremental sync', () => {
    const pass = planPass({ ...base, stream: 'transactions', full: false, watermark: 5_000_000 });
    expect(pass).toMatchObject({ full: false, seen: 3 });
    expect(pass.phases).toEqual([{ label: 'window', params: { min_created: 5_000_000 - 60_000 } }]);
  });

  it('re-reads the trailing reward window and sweeps every open status below it', () => {
    const watermark = REWARD_TRAILING_WINDOW_MS + 10_000_000;
    const pass = planPass({ ...base, stream: 'rewards', full: false, watermark });
    const windowStart = watermark - REWARD_TRAILING_WINDOW_MS;
    expect(pass.phases[0]).toEqual({ label: 'window', params: { min_created: windowStart } });
    expect(pass.phases.slice(1)).toEqual(
      OPEN_REWARD_STATUSES.map((status) => ({ label: `open:${status}`, params: { status, max_created: windowStart } })),
    );
    expect(OPEN_REWARD_STATUSES).not.toContain('paid');
    expect(OPEN_REWARD_STATUSES).not.toContain('declined');
  });

  it('reads everything on a full reconcile, whatever the watermark', () => {
    const pass = planPass({ ...base, stream: 'rewards', full: true, watermark: 5_000_000 });
    expect(pass).toMatchObject({ full: true, seen: 4, phases: [{ label: 'all', params: {} }] });
  });
});
