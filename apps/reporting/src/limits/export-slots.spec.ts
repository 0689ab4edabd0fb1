import { ExportSlots } from './export-slots';

describe('ExportSlots', () => {
  it('gives each org its own slots, up to the limit', () => {
    const slots = new ExportSlots(2);
    expect(slots.tryAcquire('org_a')).toBeDefined();
    expect(slots.tryAcquire('org_a')).toBeDefined();
    expect(slots.tryAcquire('org_a')).toBeUndefined();
    expect(slots.tryAcquire('org_b')).toBeDefined();
  });

  it('frees a slot on release, and only one however often the same release is called', () => {
    const slots = new ExportSlots(2);
    const first = slots.tryAcquire('org_a');
    slots.tryAcquire('org_a');
    first?.();
    first?.();
    expect(slots.tryAcquire('org_a')).toBeDefined();
    expect(slots.tryAcquire('org_a')).toBeUndefined();
  });

  it('starts an org over once all its exports have ended', () => {
    const slots = new ExportSlots(1);
    slots.tryAcquire('org_a')?.();
    const again = slots.tryAcquire('org_a');
    expect(again).toBeDefined();
    again?.();
    expect(slots.tryAcquire('org_a')).toBeDefined();
  });
});
