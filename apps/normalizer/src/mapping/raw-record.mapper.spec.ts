import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PARTNERSTACK_STREAMS, PartnerStackStream } from '@pp/contracts';
import { stableId } from '@pp/domain';

import { UnmappableRecordError } from './field-reader';
import { mapRawRecord, mapRemoval } from './raw-record.mapper';

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
                (expected as Record<string, unknown>[]).map((rule) => expect.objectContaining(rule)),
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
            expect(row).toEqual(expect.objectContaining(expected));
            expect(row.tenant_id).toBe(TENANT);
            expect(row.last_fetched_at).toBe(FETCHED_AT);
            expect(row.id).toBe(stableId(TENANT, table, row.external_key));
          }
          const main = mapped.rows.find((row) => row.row.external_key === fixture.record.key)!;
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
});
