import { OPEN_REWARD_STATUSES, PAGE_SIZE } from '../sync.constants';
import { isCurrentCheckpoint, planPass, planReadback, PlanInput, READBACK_PHASE } from './stream-plan';

const DAY = 86_400_000;
const base: Omit<PlanInput, 'stream' | 'full' | 'watermark'> = {
  runId: 'run-1',
  fullSeq: 3,
  passSeq: 7,
  overlapMs: 60_000,
  warmDue: false,
  warmWindowMs: 90 * DAY,
  extraOpenStatuses: [],
  openPaymentStatuses: [],
  knownRecords: 0,
  now: 1_000,
};

describe(planPass.name, () => {
  it('reads a stream whole, as a new full pass, on its first sync, with no estimate of its size', () => {
    const pass = planPass({ ...base, stream: 'customers', full: false, watermark: null });
    expect(pass).toMatchObject({ tier: 'full', full: true, seen: 4, touch: 8, phaseIndex: 0, cursor: null });
    expect(pass).toMatchObject({ removing: false, startedAt: 1_000, expectedPages: null });
    expect(pass.phases).toEqual([{ label: 'all', params: {} }]);
  });

  it('reads partnerships whole on every sync, with offers and archived ones', () => {
    const pass = planPass({ ...base, stream: 'partnerships', full: false, watermark: 5_000_000 });
    expect(pass.full).toBe(true);
    expect(pass.phases[0].params).toEqual({ include_offers: true, include_archived: true });
  });

  it('reads records created since the watermark minus the overlap on an incremental sync', () => {
    const pass = planPass({ ...base, stream: 'transactions', full: false, watermark: 5_000_000 });
    expect(pass).toMatchObject({ tier: 'incremental', full: false, seen: 3, touch: 8, removeCreatedAfter: null });
    expect(pass.phases).toEqual([{ label: 'window', params: { min_created: 5_000_000 - 60_000 } }]);
  });

  it('re-reads the warm window of a stream without an update filter when it is due, and removes within it only', () => {
    const watermark = 200 * DAY;
    const pass = planPass({
      ...base,
      stream: 'transactions',
      full: false,
      watermark,
      warmDue: true,
      knownRecords: 600,
    });
    expect(pass).toMatchObject({ tier: 'warm', full: false, removeCreatedAfter: 110 * DAY });
    expect(pass.phases).toEqual([{ label: 'warm', params: { min_created: 110 * DAY } }]);
    expect(pass.expectedPages).toBe(Math.ceil(600 / PAGE_SIZE));
  });

  it('never re-reads rewards or payouts as a warm window: rewards are exact on every pass', () => {
    for (const stream of ['rewards', 'payouts'] as const) {
      expect(planPass({ ...base, stream, full: false, watermark: 5_000_000, warmDue: true }).tier).toBe('incremental');
    }
  });

  it('reads new rewards, sweeps every open status below the overlap, and leaves room for the read-back', () => {
    const watermark = 10_000_000;
    const pass = planPass({
      ...base,
      stream: 'rewards',
      full: false,
      watermark,
      extraOpenStatuses: ['under_review'],
      openPaymentStatuses: ['in_transit'],
    });
    const windowStart = watermark - base.overlapMs;
    expect(pass.sweptBefore).toBe(windowStart);
    expect(pass.phases[0]).toEqual({ label: 'window', params: { min_created: windowStart } });
    expect(pass.phases.slice(1, -2)).toEqual(
      [...OPEN_REWARD_STATUSES, 'under_review'].map((status) => ({
        label: `open:${status}`,
        params: { status, max_created: windowStart },
      })),
    );
    expect(pass.phases.at(-2)).toEqual({
      label: 'open-payment:in_transit',
      params: { payment_status: 'in_transit', max_created: windowStart },
    });
    expect(pass.phases.at(-1)).toEqual({ label: READBACK_PHASE, params: {} });
    expect(OPEN_REWARD_STATUSES).not.toContain('paid');
    expect(OPEN_REWARD_STATUSES).not.toContain('declined');
  });

  it('reads everything on a full reconcile, whatever the watermark', () => {
    const pass = planPass({ ...base, stream: 'rewards', full: true, watermark: 5_000_000, knownRecords: 501 });
    expect(pass).toMatchObject({ full: true, seen: 4, phases: [{ label: 'all', params: {} }], expectedPages: 3 });
  });

  it('plans again a checkpoint written before the freshness tiers existed', () => {
    const current = planPass({ ...base, stream: 'customers', full: false, watermark: null });
    expect(isCurrentCheckpoint(current)).toBe(true);
    const { tier: _tier, touch: _touch, ...legacy } = current;
    expect(isCurrentCheckpoint(legacy as typeof current)).toBe(false);
    expect(isCurrentCheckpoint(null)).toBe(false);
  });
});

describe(planReadback.name, () => {
  const sweptBefore = 9_000;

  it('reads back nothing when nothing left the open statuses', () => {
    expect(planReadback({ departed: [], hintedCustomers: [], olderRewards: 10_000, sweptBefore })).toEqual([]);
  });

  it('reads back one query per changed customer and a tight range per customerless reward', () => {
    const phases = planReadback({
      departed: [
        { key: 'r1', customer: 'cus_B', createdAt: 100 },
        { key: 'r2', customer: 'cus_B', createdAt: 200 },
        { key: 'r3', customer: 'cus_A', createdAt: 300 },
        { key: 'r4', customer: null, createdAt: 400 },
        { key: 'r5', customer: null, createdAt: 400 },
      ],
      hintedCustomers: ['cus_C', 'cus_A'],
      olderRewards: 100_000,
      sweptBefore,
    });
    expect(phases).toEqual([
      { label: 'readback:customer:cus_A', params: { customer_key: 'cus_A' } },
      { label: 'readback:customer:cus_B', params: { customer_key: 'cus_B' } },
      { label: 'readback:customer:cus_C', params: { customer_key: 'cus_C' } },
      { label: 'readback:created:400', params: { min_created: 399, max_created: 401 } },
    ]);
  });

  it('re-reads every older reward instead once that takes fewer calls than one per change', () => {
    const departed = Array.from({ length: 5 }, (_, index) => ({
      key: `r${index}`,
      customer: `cus_${index}`,
      createdAt: 1,
    }));
    expect(planReadback({ departed, hintedCustomers: [], olderRewards: 4 * PAGE_SIZE, sweptBefore })).toEqual([
      { label: 'readback:all', params: { max_created: sweptBefore } },
    ]);
  });
});
