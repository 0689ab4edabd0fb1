import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PARTNERSTACK_STREAMS, PartnerStackStream } from '@pp/contracts';
import { CommissionRule, stableId } from '@pp/domain';

import type { SyncedTable } from '../writing/synced-tables';
import { metadataOf, modelOf } from '../writing/table-model';

import { UnmappableRecordError } from './field-reader';
import { mapRawRecord, mapRemoval, rewardKindOf, reversedRewardKeyOf } from './raw-record.mapper';

interface Fixture {
  description: string;
  record: { key: string } & Record<string, unknown>;
  expect?: Record<string, Record<string, unknown> | Record<string, unknown>[] | null>;
  expectError?: string;
  expectObservations?: [string, string, string | null][];
}

const FIXTURES = join(__dirname, '../../../../test/fixtures/partnerstack');
const TENANT = 'org_fixture';
const FETCHED_AT = '2024-11-01T10:00:00.000Z';

function fixturesOf(stream: PartnerStackStream): [string, Fixture][] {
  return readdirSync(join(FIXTURES, stream))
    .filter((file) => file.endsWith('.json'))
    .map((file) => [file, JSON.parse(readFileSync(join(FIXTURES, stream, file), 'utf8')) as Fixture]);
}

/**
 * The fixtures name columns as the tables do (`source_type`); the mapped data is keyed by entity property
 * (`sourceType`). An expected column the entity does not have fails the test.
 */
function byProperty(columns: Record<string, unknown>, property: (column: string) => string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(columns).map(([column, value]) => [property(column), value]));
}

function tableProperty(table: SyncedTable): (column: string) => string {
  const byName = new Map(modelOf(table).written.map((column) => [column.name, column.property]));
  return (column) => {
    const property = byName.get(column);
    if (!property) throw new Error(`${table} has no mapped column ${column}`);
    return property;
  };
}

const ruleMeta = metadataOf(CommissionRule);
const ruleProperty = (column: string) => {
  const prop = ruleMeta.props.find((candidate) => candidate.fieldNames?.[0] === column);
  if (!prop) throw new Error(`commission_rule has no column ${column}`);
  return prop.name;
};

function map(stream: PartnerStackStream, record: Fixture['record']) {
  return mapRawRecord({ tenantId: TENANT, stream, externalKey: record.key, fetchedAt: FETCHED_AT, record });
}

describe('mapRawRecord', () => {
  for (const stream of PARTNERSTACK_STREAMS) {
    describe(stream, () => {
      const fixtures = fixturesOf(stream);

      it('has fixtures, including at least one that maps', () => {
        expect(fixtures.filter(([, fixture]) => fixture.expect).length).toBeGreaterThan(0);
      });

      for (const [file, fixture] of fixtures) {
        it(`${file}: ${fixture.description}`, () => {
          if (fixture.expectError) {
            expect(() => map(stream, fixture.record)).toThrow(UnmappableRecordError);
            expect(() => map(stream, fixture.record)).toThrow(fixture.expectError);
            return;
          }
          const mapped = map(stream, fixture.record);
          for (const [table, expected] of Object.entries(fixture.expect ?? {})) {
            if (table === 'commissionRules') {
              const rules = mapped.rows.find((row) => row.table === 'partnership')!.commissionRules!;
              expect(rules).toEqual(
                (expected as Record<string, unknown>[]).map((rule) =>
                  expect.objectContaining(byProperty(rule, ruleProperty)),
                ),
              );
              continue;
            }
            const rows = mapped.rows.filter((row) => row.table === table);
            if (expected === null) {
              expect(rows).toHaveLength(0);
              continue;
            }
            expect(rows).toHaveLength(1);
            const { row } = rows[0];
            const property = tableProperty(table as SyncedTable);
            expect(row).toEqual(expect.objectContaining(byProperty(expected as Record<string, unknown>, property)));
            expect(row.tenantId).toBe(TENANT);
            expect(row.lastFetchedAt).toBe(FETCHED_AT);
            expect(row.id).toBe(stableId(TENANT, table, row.externalKey));
          }
          const main = mapped.rows.find((row) => row.row.externalKey === fixture.record.key)!;
          expect(main.row.raw).toEqual(fixture.record);
          const observed = mapped.observations.map((o) => [o.entity_kind, o.field, o.value]);
          expect(observed).toEqual(fixture.expectObservations ?? []);
          for (const observation of mapped.observations) {
            expect(observation.entity_external_key).toBe(fixture.record.key);
            expect(observation.observed_at).toBe(FETCHED_AT);
          }
        });
      }
    });
  }

  it('refuses a record whose key differs from the message key', () => {
    expect(() =>
      mapRawRecord({
        tenantId: TENANT,
        stream: 'payouts',
        externalKey: 'pay_other',
        fetchedAt: FETCHED_AT,
        record: { key: 'pay_8U5s1iH2Pd2a2p', amount: 1, currency: 'USD' },
      }),
    ).toThrow("externalKey 'pay_other' does not match record.key 'pay_8U5s1iH2Pd2a2p'");
  });

  it('dates a version without updated_at by created_at, else by the fetch', () => {
    const [observation] = map('payouts', { key: 'pay_x', amount: 1, currency: 'USD', status: 'new' }).observations;
    expect(observation.source_time).toBe(FETCHED_AT);
  });

  it('flags the referral and the account when a customer is removed upstream', () => {
    const mapped = mapRemoval({
      tenantId: TENANT,
      stream: 'customers',
      externalKey: 'cus_x',
      removedAt: '2024-11-02T00:00:00Z',
    });
    expect(mapped.removals).toEqual([
      { table: 'referral', tenant_id: TENANT, external_key: 'cus_x', removed_at: '2024-11-02T00:00:00.000Z' },
      { table: 'account', tenant_id: TENANT, external_key: 'cus_x', removed_at: '2024-11-02T00:00:00.000Z' },
    ]);
  });

  describe('earnings as PartnerStack pays them (issue 14)', () => {
    const reward = (extra: Record<string, unknown>) => {
      const record = { key: 'rwrd_k', amount: 500, currency: 'USD', ...extra };
      return map('rewards', record).rows.find((row) => row.table === 'reward')!.row;
    };

    it.each([
      [-500, null, 'transaction', 'clawback'],
      [-500, 3, 'transaction', 'clawback'],
      [500, 3, 'transaction', 'drip'],
      [500, null, 'Transaction', 'recurring'],
      [500, null, 'signup', 'signup'],
      [500, null, 'action', 'action'],
      [500, null, 'manual', 'manual_bonus'],
      [500, null, null, 'one_time'],
      [500, null, 'something_new', 'one_time'],
    ] as const)('amount %s, %s drip occurrences, source %s: %s', (amount, occurrences, type, kind) => {
      expect(rewardKindOf(amount, occurrences, type)).toBe(kind);
    });

    it('keeps a negative amount as given and links a clawback to the reward its description names', () => {
      const row = reward({
        amount: -980,
        description: 'Clawback of rwrd_JiquWSZIPLGEXx: customer refunded',
        source: { type: 'transaction', key: 'tran_1' },
      });
      expect(row).toMatchObject({ amount: -980, kind: 'clawback', reversedRewardKey: 'rwrd_JiquWSZIPLGEXx' });
    });

    it('names no reversed reward for a positive amount or a description without one', () => {
      expect(reversedRewardKeyOf(980, 'Clawback of rwrd_JiquWSZIPLGEXx: x')).toBeNull();
      expect(reversedRewardKeyOf(-980, 'Refund adjustment')).toBeNull();
      expect(reversedRewardKeyOf(-980, null)).toBeNull();
    });

    it('keeps a drip occurrence’s place in its series and its ready_at', () => {
      const readyAt = Date.UTC(2026, 6, 1);
      const row = reward({
        reward_status: 'scheduled',
        ready_at: readyAt,
        source: { type: 'transaction', key: 'tran_1' },
        drip: { occurrence: 2, occurrences: 3, delay_days: 30, cycle_days: 30 },
      });
      expect(row).toMatchObject({
        kind: 'drip',
        rewardStatus: 'scheduled',
        readyAt: new Date(readyAt).toISOString(),
        dripOccurrence: 2,
        dripOccurrences: 3,
        dripDelayDays: 30,
        dripCycleDays: 30,
      });
      expect(reward({ drip: null })).toMatchObject({ kind: 'one_time', dripOccurrence: null, dripOccurrences: null });
    });

    it('gives each set of offer terms its own key, and keeps the offer’s key and created_at', () => {
      const offer = { key: 'ofr_a', created_at: Date.UTC(2026, 0, 1), type: 'revenue_share', base_rate: 20 };
      const rules = (offers: unknown[]) =>
        map('partnerships', { key: 'part_x', offers }).rows.find((row) => row.table === 'partnership')!
          .commissionRules!;
      const [first] = rules([offer]);
      expect(first).toMatchObject({ offerKey: 'ofr_a', offerCreatedAt: '2026-01-01T00:00:00.000Z', rate: '20' });
      expect(rules([{ ...offer, base_rate: 25 }])[0].termsKey).not.toBe(first.termsKey);
      expect(rules([{ ...offer, key: 'ofr_b' }])[0].termsKey).not.toBe(first.termsKey);
      expect(rules([{ ...offer, created_at: Date.UTC(2026, 1, 1) }])[0].termsKey).toBe(first.termsKey);
    });
  });
});
