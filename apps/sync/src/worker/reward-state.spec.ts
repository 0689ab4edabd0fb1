import { isOpenRewardStatus, splitRewardStatus, sweepStatuses, traceReward } from './reward-state';

describe('reward state', () => {
  it.each([
    ['pending', null, true],
    ['approved', 'available', true],
    ['hold', null, true],
    ['scheduled', null, true],
    ['something-new', null, true],
    [null, null, true],
    ['declined', null, false],
    ['paid', 'withdrawn', false],
    ['paid', 'paid_and_refunded', false],
    ['paid', null, false],
    ['paid', 'in_transit', true],
    ['paid', 'failed', true],
    ['paid', 'a-new-payment-status', true],
  ])('%s / %s is open: %s', (status, paymentStatus, open) => {
    expect(isOpenRewardStatus(status, paymentStatus)).toBe(open);
  });

  it('traces a reward: open, both statuses, its customer and whether it is a clawback', () => {
    const trace = traceReward({
      key: 'rwrd_1',
      reward_status: 'paid',
      payment_status: 'in_transit',
      amount: -980,
      customer: { key: 'cus_A' },
    });
    expect(trace).toEqual({ open: true, status: 'paid/in_transit', customer: 'cus_A', clawback: true });
    expect(splitRewardStatus(trace.status)).toEqual({ status: 'paid', paymentStatus: 'in_transit' });
  });

  it('a reward without customer or statuses is open and has no customer filter', () => {
    expect(traceReward({ key: 'rwrd_2', amount: 5000 })).toEqual({
      open: true,
      status: '/',
      customer: null,
      clawback: false,
    });
  });

  it('sweeps new open reward statuses and the payment statuses of paid rewards still in motion', () => {
    expect(
      sweepStatuses(['pending/', 'approved/available', 'paid/in_transit', 'under_review/', 'paid/merging']),
    ).toEqual({ extraOpenStatuses: ['under_review'], openPaymentStatuses: ['in_transit', 'merging'] });
    expect(sweepStatuses([])).toEqual({ extraOpenStatuses: [], openPaymentStatuses: [] });
  });
});
