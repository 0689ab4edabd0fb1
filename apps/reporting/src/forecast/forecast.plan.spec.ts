import { forecastMonths, nextPayout, schedule } from './forecast.plan';

describe('forecast plan', () => {
  it('covers the current month and the next ones, across a year end', () => {
    expect(forecastMonths('2026-11-30', 3)).toEqual(['2026-11', '2026-12', '2027-01']);
  });

  it('pays on the first payout day strictly after a day, on the last day of a short month', () => {
    expect(nextPayout('2026-03-12', 13)).toBe('2026-03-13');
    expect(nextPayout('2026-03-13', 13)).toBe('2026-04-13');
    expect(nextPayout('2026-01-31', 30)).toBe('2026-02-28');
    expect(nextPayout('2026-12-20', 5)).toBe('2027-01-05');
  });

  it('weights open rewards by the approval rate, delays them by the lag, and carries a month that is not positive', () => {
    const inputs = { approvalRate: 0.5, approvalLagDays: 10, payoutDay: 13 };
    const months = ['2026-03', '2026-04', '2026-05'];
    // Approved today (the 1st): paid on the 13th. Pending since 1 March: approved on the 11th, paid on the 13th.
    // Pending since 10 March: approved on the 20th, paid on 13 April. Scheduled for June: later.
    expect(
      schedule('2026-03-01', months, inputs, [
        { open: 'approved', startDay: '2026-02-01', amount: 1000 },
        { open: 'pending', startDay: '2026-03-01', amount: 400 },
        { open: 'pending', startDay: '2026-03-10', amount: 600 },
        { open: 'scheduled', startDay: '2026-06-01', amount: 800 },
      ]),
    ).toEqual({ months: [1200, 300, 0], later: 400 });
    // A clawback larger than March's rewards: March pays nothing and April nets it.
    expect(
      schedule('2026-03-01', months, inputs, [
        { open: 'approved', startDay: '2026-02-01', amount: -500 },
        { open: 'pending', startDay: '2026-03-01', amount: 400 },
        { open: 'pending', startDay: '2026-03-10', amount: 1000 },
      ]),
    ).toEqual({ months: [0, 200, 0], later: 0 });
    // A pending reward long past its lag is approved today at the earliest.
    expect(schedule('2026-03-20', months, inputs, [{ open: 'pending', startDay: '2025-01-01', amount: 100 }])).toEqual({
      months: [0, 50, 0],
      later: 0,
    });
  });
});
