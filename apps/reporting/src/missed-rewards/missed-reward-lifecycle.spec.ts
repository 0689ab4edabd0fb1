import { compile, sql, table } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import {
  claimDeadline,
  daysLeft,
  detectedAt,
  lifecycleScope,
  lifecycleState,
  stateCondition,
} from './missed-reward-lifecycle';
import { periodStarts } from './missed-reward-claims.repository';

const thresholds = { afterDays: 30, stuckDays: 60 };
const at = (text: string) => new Date(text);

describe('missed-reward lifecycle', () => {
  it('dates detection at the first sighting, or when the threshold passed if it was seen before', () => {
    const seenEarly = detectedAt(
      'transaction_without_reward',
      at('2026-01-01T00:00:00Z'),
      at('2026-01-02T00:00:00Z'),
      thresholds,
    );
    expect(seenEarly.toISOString()).toBe('2026-01-31T00:00:00.000Z');
    const seenLate = detectedAt(
      'transaction_without_reward',
      at('2026-01-01T00:00:00Z'),
      at('2026-03-01T00:00:00Z'),
      thresholds,
    );
    expect(seenLate.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    const stuck = detectedAt('reward_stuck', at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'), thresholds);
    expect(stuck.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    const declined = detectedAt('reward_declined', at('2026-01-01T00:00:00Z'), at('2026-01-05T12:00:00Z'), thresholds);
    expect(declined.toISOString()).toBe('2026-01-05T12:00:00.000Z');
  });

  it('puts the deadline the claim window after the basis date, and counts part-days as days left', () => {
    const deadline = claimDeadline(at('2026-01-01T10:00:00Z'), 60);
    expect(deadline.toISOString()).toBe('2026-03-02T10:00:00.000Z');
    expect(daysLeft(deadline, at('2026-03-01T10:00:00Z'))).toBe(1);
    expect(daysLeft(deadline, at('2026-03-01T10:00:01Z'))).toBe(1);
    expect(daysLeft(deadline, at('2026-02-28T09:00:00Z'))).toBe(3);
    expect(daysLeft(deadline, at('2026-03-02T10:00:00Z'))).toBe(0);
    expect(daysLeft(deadline, at('2026-06-01T00:00:00Z'))).toBe(0);
  });

  it('is resolved once resolved, else expired from the deadline on', () => {
    const deadline = at('2026-03-02T10:00:00Z');
    expect(lifecycleState(null, deadline, at('2026-03-02T09:59:59Z'))).toBe('open');
    expect(lifecycleState(null, deadline, deadline)).toBe('expired');
    expect(lifecycleState(at('2026-04-01T00:00:00Z'), deadline, at('2026-05-01T00:00:00Z'))).toBe('resolved');
  });

  it('agrees in SQL on where expiry starts', () => {
    const scope = TenantScope.fromUser({ userId: 'u1', orgId: 'org_a', roles: [] });
    const now = at('2026-03-02T10:00:00Z');
    const compiled = compile(
      scope,
      sql`select 1 from ${table('report_missed_reward_lifecycle', 'l')} where ${lifecycleScope(thresholds, now)}
 and ${stateCondition('expired', now, 60)}`,
    );
    expect(compiled.text).toContain('l.resolved_at is null and l.basis_at <= ?');
    expect(compiled.values).toContainEqual(at('2026-01-01T10:00:00Z'));
  });

  it('starts the month and the quarter in UTC', () => {
    expect(periodStarts(at('2026-11-15T23:00:00Z'))).toEqual({
      month: at('2026-11-01T00:00:00Z'),
      quarter: at('2026-10-01T00:00:00Z'),
    });
    expect(periodStarts(at('2026-03-31T23:59:59Z')).quarter).toEqual(at('2026-01-01T00:00:00Z'));
  });
});
