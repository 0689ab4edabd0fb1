import { Agency } from '../agencies/agency';
import { computeGroundTruth } from '../agencies/ground-truth';
import { rewardState } from '../agencies/record-views';
import {
  DAY_MS,
  DRIP_REWARDS,
  OFFER_CHANGES,
  PAYOUT_DAY_OF_MONTH,
  PAYOUT_HOUR_UTC,
  PROGRAM_PAYOUT_DAYS,
  STALE_OFFER_REWARDS,
} from '../sandbox.constants';
import { AgencyData, REWARD_FATE } from './agency-data';
import { seedFrom } from './prng';

const clockStart = Date.UTC(2026, 5, 1);
const clock = { clockStart, historyDays: 365 };
const ADVANCED_DAYS = 150;

function agencyOf(token: string, records: number, days = ADVANCED_DAYS): Agency {
  const config = { records, daysAdvanced: 0, dealsVisible: null, leadsVisible: null, faults: {}, postbackUrl: null };
  const agency = new Agency('fp', seedFrom(`partnerstack-sandbox:${token}`), config, clock);
  agency.advance(days);
  return agency;
}

const agencies = ['sandbox_earnings_a', 'sandbox_earnings_b', 'sandbox_earnings_c'].map((token) =>
  agencyOf(token, 5000),
);
const isPositive = (data: AgencyData, i: number) => (data.rewards.fate[i] & REWARD_FATE.clawback) === 0;

describe('offers replaced as the clock advances (OFFER_CHANGES)', () => {
  it('never before the clock start, so the history a first sync sees is unchanged', () => {
    for (const { data } of agencies) {
      for (const partnership of data.partnerships) {
        expect(partnership.offerVersions[0]).toMatchObject({ rate: partnership.percentRate });
        expect(partnership.offerVersions.length).toBeLessThanOrEqual(OFFER_CHANGES.maxChanges + 1);
        for (const version of partnership.offerVersions.slice(1)) {
          expect(version.validFrom).toBeGreaterThan(clockStart);
        }
      }
    }
    const changed = agencies.flatMap(({ data }) => data.partnerships.filter((p) => p.offerVersions.length > 1));
    expect(changed.length).toBeGreaterThan(0);
  });

  it('renders only the offer in force, under a new key created at the change, and keeps a history in ground truth', () => {
    for (const agency of agencies) {
      const truth = computeGroundTruth(agency, { deals: true, leads: true });
      agency.data.partnerships.forEach((partnership, index) => {
        const history = truth.perProgram[agency.views.partnershipKey(index)].offers.filter(
          (offer) => offer.type === 'revenue_share',
        );
        const inForce = partnership.offerVersions.filter((version) => version.validFrom <= agency.now);
        expect(history.map((offer) => offer.rate)).toEqual(inForce.map((version) => version.rate));
        expect(new Set(history.map((offer) => offer.key)).size).toBe(history.length);
        history.forEach((offer, position) => {
          expect(offer.validTo).toBe(position === history.length - 1 ? null : history[position + 1].validFrom);
        });
        const current = history[history.length - 1];
        const rendered = agency.views.offers(index, agency.now)[0];
        expect(rendered).toMatchObject({ key: current.key, base_rate: current.rate, created_at: current.validFrom });
        const before = agency.views.offers(index, clockStart)[0];
        expect(before).toMatchObject({ key: history[0].key, base_rate: partnership.percentRate });
        expect(agency.views.partnership(index, agency.now, true).updated_at).toBeGreaterThanOrEqual(current.validFrom);
      });
    }
  });

  it('computes each transaction reward at the offer in force, except the planted stale ones below it', () => {
    let stale = 0;
    let afterChange = 0;
    for (const agency of agencies) {
      const { data } = agency;
      const truth = computeGroundTruth(agency, { deals: true, leads: true });
      const listed = new Set(
        Object.values(truth.perProgram).flatMap((program) => program.rewardsBelowOffer.map((entry) => entry.key)),
      );
      const { rewards, transactions } = data;
      for (let i = 0; i < rewards.length && rewards.createdAt[i] <= agency.now; i++) {
        if (rewards.ref[i] < 0 || !isPositive(data, i)) continue;
        const versions = data.partnerships[rewards.partnership[i]].offerVersions;
        const version = data.offerVersionAt(rewards.partnership[i], rewards.createdAt[i]);
        const expectedRate =
          (rewards.fate[i] & REWARD_FATE.staleRate) !== 0 ? versions[version - 1].rate : versions[version].rate;
        expect(data.rewardRate(i)).toBe(expectedRate);
        if (!(rewards.fate[i] & REWARD_FATE.drip)) {
          expect(rewards.amount[i]).toBe(
            Math.max(1, Math.round((transactions.amount[rewards.ref[i]] * expectedRate) / 100)),
          );
        }
        expect(agency.views.rewardDescription(i)).toBe(`${expectedRate}% of every payment for 12 months`);
        if (version > 0) afterChange++;
        if (rewards.fate[i] & REWARD_FATE.staleRate) {
          stale++;
          expect(listed.has(agency.views.codecs.rewards.encode(i))).toBe(true);
          expect(versions[version - 1].rate).toBeLessThan(versions[version].rate);
          expect(rewards.createdAt[i] - versions[version].validFrom).toBeLessThan(STALE_OFFER_REWARDS.days * DAY_MS);
        }
      }
      expect(listed.size).toBe(truth.streams.rewards.belowOffer);
    }
    expect(stale).toBeGreaterThan(0);
    expect(stale).toBeLessThan(afterChange * STALE_OFFER_REWARDS.share * 2);
  });
});

describe('a payout day per program (PROGRAM_PAYOUT_DAYS)', () => {
  it('pays most programs on the 13th and the others on their own day, every payout on its program’s day', () => {
    const days = agencies.flatMap(({ data }) => data.partnerships.map((partnership) => partnership.payoutDay));
    expect(days).toContain(PAYOUT_DAY_OF_MONTH);
    expect(days.some((day) => day !== PAYOUT_DAY_OF_MONTH)).toBe(true);
    const allowed = [PAYOUT_DAY_OF_MONTH, ...PROGRAM_PAYOUT_DAYS.earlier, ...PROGRAM_PAYOUT_DAYS.custom];
    for (const day of days) expect(allowed).toContain(day);
    for (const { data, now } of agencies) {
      for (const payout of data.payoutsUntil(now)) {
        const sent = new Date(payout.createdAt);
        expect([sent.getUTCDate(), sent.getUTCHours()]).toEqual([
          data.partnerships[payout.partnership].payoutDay,
          PAYOUT_HOUR_UTC,
        ]);
      }
    }
  });

  it('gives each program its payout day in ground truth, the same on every generation', () => {
    const again = agencyOf('sandbox_earnings_a', 5000, 3);
    const truth = computeGroundTruth(again, { deals: true, leads: true });
    expect(Object.values(truth.perProgram).map((program) => program.payoutDay)).toEqual(
      agencies[0].data.partnerships.map((partnership) => partnership.payoutDay),
    );
  });
});

describe('balances per program and currency, which may go negative (§11)', () => {
  it('sums every figure from the rewards, and blocks withdrawals exactly while the balance is negative', () => {
    for (const agency of agencies) {
      const { data, now } = agency;
      const truth = computeGroundTruth(agency, { deals: true, leads: true });
      const expected: Record<string, Record<string, Record<string, number>>> = {};
      const add = (partnership: number, currency: number, name: string, amount: number) => {
        const entry = ((expected[agency.views.partnershipKey(partnership)] ??= {})[
          ['USD', 'EUR', 'GBP', 'CAD', 'JPY'][currency]
        ] ??= {});
        entry[name] = (entry[name] ?? 0) + amount;
      };
      const { rewards } = data;
      for (let i = 0; i < rewards.length && rewards.createdAt[i] <= now; i++) {
        const status = rewardState(data, i, now).status;
        if (!isPositive(data, i)) add(rewards.partnership[i], rewards.currency[i], 'clawedBack', rewards.amount[i]);
        else if (status !== 'declined') add(rewards.partnership[i], rewards.currency[i], 'earned', rewards.amount[i]);
        if (status === 'approved') add(rewards.partnership[i], rewards.currency[i], 'balance', rewards.amount[i]);
      }
      for (const payout of data.payoutsUntil(now)) add(payout.partnership, payout.currency, 'payouts', payout.amount);
      for (const [key, program] of Object.entries(truth.perProgram)) {
        for (const [currency, earnings] of Object.entries(program.earnings)) {
          const sums = expected[key]?.[currency] ?? {};
          expect({ key, currency, earned: earnings.earned.amount, clawedBack: earnings.clawedBack.amount }).toEqual({
            key,
            currency,
            earned: sums.earned ?? 0,
            clawedBack: sums.clawedBack ?? 0,
          });
          expect(earnings.balance).toBe(sums.balance ?? 0);
          expect(earnings.payouts.amount).toBe(sums.payouts ?? 0);
          expect(earnings.earned.amount).toBe(
            earnings.scheduled.amount + earnings.pending.amount + earnings.approved.amount + earnings.paid.amount,
          );
          expect(earnings.withdrawalBlocked).toBe(earnings.balance < 0);
        }
      }
    }
  });

  it('holds back a program’s payout while its balance is negative, and sends none at or below zero', () => {
    let blockedRuns = 0;
    let sentRuns = 0;
    for (const agency of agencies) {
      const { data, now } = agency;
      const { rewards } = data;
      const sent = new Map(data.payoutsUntil(now).map((payout) => [payout.id, payout]));
      data.partnerships.forEach((partnership, program) => {
        for (let month = 0; month < ADVANCED_DAYS / 30; month++) {
          const run = Date.UTC(2026, 5 + month, partnership.payoutDay, PAYOUT_HOUR_UTC);
          if (run <= clockStart || run > now) continue;
          const balances = new Map<number, number>();
          for (let i = 0; i < rewards.length && rewards.createdAt[i] < run; i++) {
            if (rewards.partnership[i] !== program) continue;
            if (rewardState(data, i, run - 1).status !== 'approved') continue;
            balances.set(rewards.currency[i], (balances.get(rewards.currency[i]) ?? 0) + rewards.amount[i]);
          }
          for (const [currency, balance] of balances) {
            const payout = [...sent.values()].find(
              (candidate) =>
                candidate.partnership === program && candidate.currency === currency && candidate.createdAt === run,
            );
            if (balance < 0) {
              blockedRuns++;
              expect({ program, currency, run, payout }).toEqual({ program, currency, run, payout: undefined });
            }
            if (payout) {
              sentRuns++;
              expect(payout.amount).toBeGreaterThan(0);
              expect(balance).toBeGreaterThanOrEqual(payout.amount);
            }
          }
        }
      });
    }
    expect(sentRuns).toBeGreaterThan(0);
    expect(blockedRuns).toBeGreaterThan(0);
  });

  it('pays a held-back payout’s rewards later, on the program’s next payout day', () => {
    let heldBack = 0;
    for (const { data, now } of agencies) {
      const { rewards } = data;
      for (let i = 0; i < rewards.length && rewards.createdAt[i] <= now; i++) {
        if (!isPositive(data, i) || rewardState(data, i, now).status !== 'paid') continue;
        const payout = data.payoutOfReward(i);
        if (payout.createdAt === rewards.t2[i]) continue;
        heldBack++;
        expect(payout.createdAt).toBeGreaterThan(rewards.t2[i]);
        expect(new Date(payout.createdAt).getUTCDate()).toBe(data.partnerships[rewards.partnership[i]].payoutDay);
        expect(rewardState(data, i, rewards.t2[i]).status).toBe('approved');
        expect(rewardState(data, i, now).payoutId).toBe(payout.id);
      }
    }
    expect(heldBack).toBeGreaterThan(0);
  });
});

describe('drip series (DRIP_REWARDS)', () => {
  it('creates every occurrence at the transaction, splitting its reward, each scheduled until its ready_at', () => {
    const seen = new Map<number, number>();
    for (const agency of agencies) {
      const { data, now } = agency;
      const { rewards, transactions } = data;
      for (let i = 0; i < rewards.length && rewards.createdAt[i] <= now; i++) {
        if (!(rewards.fate[i] & REWARD_FATE.drip) || data.dripOccurrence(i) !== 0) continue;
        const shape = data.dripShape(rewards.ref[i]);
        seen.set(shape.occurrences, (seen.get(shape.occurrences) ?? 0) + 1);
        const series = Array.from({ length: shape.occurrences }, (_, k) => i + k);
        let total = 0;
        for (const [k, index] of series.entries()) {
          expect(rewards.ref[index]).toBe(rewards.ref[i]);
          expect(rewards.createdAt[index]).toBe(rewards.createdAt[i]);
          expect(data.dripOccurrence(index)).toBe(k);
          const readyAt = rewards.createdAt[i] + (shape.delayDays + k * shape.cycleDays) * DAY_MS;
          expect(data.readyAt(index)).toBe(readyAt);
          expect(agency.views.reward(index, now)).toMatchObject({
            ready_at: readyAt,
            drip: { occurrence: k + 1, occurrences: shape.occurrences, delay_days: shape.delayDays },
          });
          if (transactions.t1[rewards.ref[i]] > readyAt && readyAt <= now) {
            expect(rewardState(data, index, readyAt - 1).status).toBe('scheduled');
            expect(rewardState(data, index, readyAt).status).not.toBe('scheduled');
          }
          total += rewards.amount[index];
        }
        const rate = data.rewardRate(i);
        expect(total).toBe(Math.max(1, Math.round((transactions.amount[rewards.ref[i]] * rate) / 100)));
        expect(
          rewards.fate[i + shape.occurrences] & REWARD_FATE.drip && data.dripOccurrence(i + shape.occurrences),
        ).toBeFalsy();
      }
    }
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(
      [...new Set(DRIP_REWARDS.shapes.map((shape) => shape.occurrences))].sort((a, b) => a - b),
    );
  });

  it('lists in ground truth the series not fully ready, with the occurrences still scheduled', () => {
    const agency = agencies[0];
    const truth = computeGroundTruth(agency, { deals: true, leads: true });
    const series = Object.values(truth.perProgram).flatMap((program) => program.dripSeries);
    const partWay = series.filter((entry) => entry.rewards.some((reward) => reward.ready));
    expect(partWay.length).toBeGreaterThan(0);
    for (const entry of series) {
      expect(entry.notReady.count).toBeGreaterThan(0);
      const scheduled = entry.rewards.filter((reward) => reward.status === 'scheduled');
      expect(entry.notReady).toEqual({
        count: scheduled.length,
        amount: scheduled.reduce((sum, reward) => sum + reward.amount, 0),
      });
      for (const reward of scheduled) expect(reward.ready).toBe(false);
      expect(entry.rewards.map((reward) => reward.readyAt)).toEqual(
        entry.rewards.map((_, k) => entry.rewards[0].readyAt + k * entry.cycleDays * DAY_MS),
      );
    }
  });

  it('declines the occurrences still scheduled when the transaction is refunded', () => {
    let declinedWhileScheduled = 0;
    for (const { data, now } of agencies) {
      const { rewards, transactions } = data;
      for (let i = 0; i < rewards.length && rewards.createdAt[i] <= now; i++) {
        if (!(rewards.fate[i] & REWARD_FATE.drip)) continue;
        // A reward already due to be declined for another reason keeps that decline and its date.
        if ((rewards.fate[i] & REWARD_FATE.outcomeMask) === REWARD_FATE.declined) continue;
        const refundAt = transactions.t1[rewards.ref[i]];
        if (refundAt <= now && refundAt < data.readyAt(i)) {
          expect(rewardState(data, i, now)).toMatchObject({ status: 'declined', declineReason: 'Customer refunded' });
          declinedWhileScheduled++;
        }
      }
    }
    expect(declinedWhileScheduled).toBeGreaterThan(0);
  });
});
