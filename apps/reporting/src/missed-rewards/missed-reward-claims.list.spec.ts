import { csvLine } from '../csv/csv';
import { compile, sql } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { CLAIM_CSV, claimOf, missedRewardClaimList } from './missed-reward-claims.list';

const settings = { afterDays: 30, stuckDays: 60, claimDays: 60 };
const now = new Date('2026-03-01T00:00:00Z');

const row = {
  id: '00000000-0000-4000-8000-000000000001',
  cursor_value: '',
  reason: 'reward_declined' as const,
  reference_at: new Date('2026-01-20T00:00:00Z'),
  basis_at: new Date('2026-01-15T00:00:00Z'),
  first_seen_at: new Date('2026-01-21T00:00:00Z'),
  resolved_at: null,
  recovered_amount: null,
  recovered_currency: null,
  currency: 'USD',
  expected_amount: 1000,
  actual_amount: 1000,
  amount_at_stake: 1000,
  rate: 20,
  reward_status: 'declined',
  payment_status: null,
  decline_reason: 'Customer refunded',
  referral_id: '00000000-0000-4000-8000-000000000002',
  referral_external_key: 'cus_1',
  customer_name: 'Acme, "Best"',
  customer_email: 'a@example.com',
  reward_id: '00000000-0000-4000-8000-000000000003',
  reward_external_key: 'rwrd_1',
  transactions: [
    {
      id: 't1',
      externalKey: 'tran_1',
      occurredAt: '2026-01-15T00:00:00+00:00',
      amount: 5000,
      currency: 'USD',
      refunded: true,
    },
    {
      id: 't2',
      externalKey: 'tran_2',
      occurredAt: '2026-01-16T00:00:00+00:00',
      amount: 700,
      currency: 'EUR',
      refunded: false,
    },
  ],
  offers: [{ kind: 'percentage' as const, sourceType: 'revenue_share', rate: 20, currency: 'USD', description: null }],
  program_id: '00000000-0000-4000-8000-000000000004',
  program_external_key: 'part_1',
  program_name: 'Vendor',
};

describe('claim packs', () => {
  it('marks an expected decline and dates the claim from its transaction', () => {
    expect(claimOf(row, settings, now)).toMatchObject({
      state: 'open',
      claimable: false,
      expectedDecline: 'refunded',
      claimDeadline: '2026-03-16T00:00:00.000Z',
      daysLeft: 15,
      detectedAt: '2026-01-21T00:00:00.000Z',
      description: 'Reward declined: Customer refunded',
      transactions: [
        { externalKey: 'tran_1', occurredAt: '2026-01-15T00:00:00.000Z', amount: { amount: 5000, currency: 'USD' } },
        { externalKey: 'tran_2', amount: { amount: 700, currency: 'EUR' } },
      ],
      resolution: null,
    });
  });

  it('counts a decline for an unknown reason, or with no reward status behind it, as claimable', () => {
    expect(claimOf({ ...row, decline_reason: 'Outside attribution window' }, settings, now).claimable).toBe(true);
    expect(claimOf({ ...row, reward_status: 'approved' }, settings, now).expectedDecline).toBeNull();
  });

  it("writes a claim's transactions and offers into one CSV line each, in order", () => {
    const claim = claimOf(row, settings, now);
    const cells = Object.fromEntries(CLAIM_CSV.map((column) => [column.header, column.value(claim)]));
    expect(cells).toMatchObject({
      transaction_keys: 'tran_1; tran_2',
      transaction_dates: '2026-01-15; 2026-01-16',
      transaction_amounts: '5000; 700',
      transaction_currencies: 'USD; EUR',
      offers: 'revenue_share 20%',
      claim_deadline: '2026-03-16',
      customer_name: 'Acme, "Best"',
    });
    expect(csvLine([cells.customer_name])).toBe('"Acme, ""Best"""\r\n');
  });

  it('constrains every table it reads to the caller’s tenant', () => {
    const spec = missedRewardClaimList(settings, now);
    const scope = TenantScope.fromUser({ userId: 'u1', orgId: 'org_a', roles: [] });
    const { values } = compile(scope, sql`select ${spec.select} from ${spec.from} where ${spec.scope}`);
    expect(values[0]).toBe('org_a');
  });
});
