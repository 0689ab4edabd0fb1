import fc from 'fast-check';

import { knex, Knex } from '@mikro-orm/knex';
import { createTestDatabase } from '@pp/testing';

import { mapMessage } from '../../../apps/normalizer/src/normalizing/normalizer.service';
import { DomainBatchWriter } from '../../../apps/normalizer/src/writing/domain-batch-writer';

import { customer, deal, fetchedAt, partnership, payout, RawEvent, reward, toMessage, transaction } from './raw-events';

const TENANT = 'org_property';
const OTHER_TENANT = 'org_bystander';

const TABLES = [
  'marketplace_program',
  'program',
  'partnership',
  'commission_rule',
  'contact',
  'account',
  'referral',
  'payout',
  'billing_record',
  'reward',
  'action',
  'deal',
  'lead',
  'status_observation',
  'pending_removal',
];

/** Every row of the tenant, minus our own bookkeeping times, in a stable order. */
async function snapshot(db: Knex, tenantId: string): Promise<Record<string, unknown[]>> {
  const result: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    const { rows } = await db.raw(
      `select to_jsonb(t) - 'created_at' - 'updated_at' as row from domain.${table} t where tenant_id = ? order by to_jsonb(t)::text`,
      [tenantId],
    );
    result[table] = rows.map((row: { row: unknown }) => row.row);
  }
  const { rows } = await db.raw(
    `select to_jsonb(h) - 'id' as row from domain.status_history h where tenant_id = ?
     order by entity_kind, entity_external_key, field, source_time, to_value`,
    [tenantId],
  );
  result.status_history = rows.map((row: { row: unknown }) => row.row);
  return result;
}

/** A small agency whose records change over a few versions, with removals, late links and a shared e-mail. */
const eventsArbitrary = fc
  .record({
    partnershipStatuses: fc.array(fc.constantFrom('active', 'pending', 'archived', 'mystery_state'), {
      minLength: 1,
      maxLength: 3,
    }),
    customerVersions: fc.array(
      fc.record({
        hasPaid: fc.boolean(),
        archived: fc.boolean(),
        name: fc.constantFrom('Acme Store', 'ACME store', 'Ünïcødé GmbH'),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    secondCustomerPaid: fc.boolean(),
    rewardVersions: fc.array(
      fc.record({
        status: fc.constantFrom('scheduled', 'pending', 'approved', 'declined', 'paid', 'unheard_of'),
        paymentStatus: fc.constantFrom(null, 'available', 'in_transit', 'withdrawn'),
        payoutId: fc.constantFrom(null, 9001),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    transactionRefunds: fc.array(fc.boolean(), { minLength: 1, maxLength: 2 }),
    payoutStatuses: fc.array(fc.constantFrom('pending', 'successful', 'failed'), { minLength: 1, maxLength: 2 }),
    dealStages: fc.array(fc.constantFrom('New', 'Qualified', 'Won'), { minLength: 1, maxLength: 2 }),
    removals: fc.array(fc.record({ target: fc.constantFrom(0, 1, 2, 3), day: fc.integer({ min: 0, max: 6 }) }), {
      maxLength: 3,
    }),
    refetches: fc.integer({ min: 0, max: 2 }),
  })
  .map((spec): RawEvent[] => {
    const events: RawEvent[] = [];
    spec.partnershipStatuses.forEach((status, v) =>
      events.push({
        stream: 'partnerships',
        key: 'part_A',
        record: partnership('part_A', 'co_A', v, status, 10 + v),
        at: fetchedAt(v, 0),
      }),
    );
    spec.customerVersions.forEach((c, v) =>
      events.push({
        stream: 'customers',
        key: 'cus_1',
        record: customer('cus_1', v, {
          email: 'Shared@Example.com',
          name: c.name,
          hasPaid: c.hasPaid,
          archived: c.archived,
          partnershipKey: 'part_A',
          company: 'co_A',
        }),
        at: fetchedAt(v, 0),
      }),
    );
    events.push({
      stream: 'customers',
      key: 'cus_2',
      record: customer('cus_2', 1, {
        email: 'shared@example.com',
        name: 'Acme Store',
        hasPaid: spec.secondCustomerPaid,
        partnershipKey: 'part_B',
        company: 'co_B',
      }),
      at: fetchedAt(1, 0),
    });
    spec.transactionRefunds.forEach((refunded, v) =>
      events.push({
        stream: 'transactions',
        key: 'tran_1',
        record: transaction('tran_1', v, 'cus_1', 5000, 'JPY', refunded),
        at: fetchedAt(v, 0),
      }),
    );
    spec.rewardVersions.forEach((r, v) =>
      events.push({
        stream: 'rewards',
        key: 'rwrd_1',
        record: reward('rwrd_1', v, {
          customerKey: 'cus_1',
          transactionKey: 'tran_1',
          payoutId: r.payoutId,
          status: r.status,
          paymentStatus: r.paymentStatus,
          amount: 500 + v,
          partnershipKey: 'part_A',
          company: 'co_A',
        }),
        at: fetchedAt(v, 0),
      }),
    );
    events.push({
      stream: 'rewards',
      key: 'rwrd_2',
      record: reward('rwrd_2', 0, {
        customerKey: 'cus_never_seen',
        transactionKey: null,
        payoutId: null,
        status: 'pending',
        paymentStatus: null,
        amount: 100,
        partnershipKey: 'part_A',
        company: 'co_A',
      }),
      at: fetchedAt(0, 0),
    });
    spec.payoutStatuses.forEach((status, v) =>
      events.push({ stream: 'payouts', key: 'pay_1', record: payout('pay_1', 9001, v, status), at: fetchedAt(v, 0) }),
    );
    spec.dealStages.forEach((stage, v) =>
      events.push({
        stream: 'deals',
        key: 'deal_1',
        record: deal('deal_1', v, 'acme  Store', stage),
        at: fetchedAt(v, 0),
      }),
    );
    const targets: [RawEvent['stream'], string][] = [
      ['rewards', 'rwrd_1'],
      ['customers', 'cus_1'],
      ['payouts', 'pay_1'],
      ['transactions', 'tran_never_seen'],
    ];
    for (const removal of spec.removals) {
      const [stream, key] = targets[removal.target];
      events.push({ stream, key, record: null, at: fetchedAt(removal.day, 30) });
    }
    // The same version fetched again later (a later sync): same source time, newer fetch.
    for (let attempt = 1; attempt <= spec.refetches; attempt++) {
      const last = events.find((event) => event.key === 'rwrd_1' && event.record)!;
      events.push({ ...last, at: fetchedAt(0, attempt) });
    }
    return events;
  });

describe('normalizer: order independence (property)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Knex;
  const writer = new DomainBatchWriter();

  beforeAll(async () => {
    database = await createTestDatabase('pp_norm_prop');
    db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  async function reset(): Promise<void> {
    const tables = [
      'commission_rule',
      'status_history',
      'status_observation',
      'pending_removal',
      'reward',
      'action',
      'billing_record',
      'referral',
      'account',
      'contact',
      'deal',
      'lead',
      'payout',
      'partnership',
      'program',
      'marketplace_program',
    ];
    for (const table of tables) await db.raw(`delete from domain.${table} where tenant_id = ?`, [TENANT]);
  }

  async function applyInBatches(events: RawEvent[], batchSizes: number[]): Promise<void> {
    let position = 0;
    let batch = 0;
    while (position < events.length) {
      const size = batchSizes[batch++ % batchSizes.length];
      const slice = events.slice(position, position + size);
      position += size;
      await db.transaction((trx) =>
        writer.apply(
          trx,
          slice.flatMap((event) => mapMessage(toMessage(TENANT, event)).mapped),
        ),
      );
    }
  }

  it('yields the same rows and the same history in order, shuffled and with duplicates', async () => {
    // A bystander tenant with the same keys: tenant scoping must keep it untouched.
    const bystander = [
      {
        stream: 'rewards',
        key: 'rwrd_1',
        record: reward('rwrd_1', 9, {
          customerKey: 'cus_1',
          transactionKey: null,
          payoutId: null,
          status: 'paid',
          paymentStatus: 'withdrawn',
          amount: 1,
          partnershipKey: 'part_A',
          company: 'co_A',
        }),
        at: fetchedAt(9, 0),
      },
    ] as RawEvent[];
    await db.transaction((trx) =>
      writer.apply(
        trx,
        bystander.flatMap((event) => mapMessage(toMessage(OTHER_TENANT, event)).mapped),
      ),
    );
    const bystanderBefore = await snapshot(db, OTHER_TENANT);

    await fc.assert(
      fc.asyncProperty(eventsArbitrary, fc.gen(), async (events, gen) => {
        await reset();
        await applyInBatches(events, [events.length]);
        const expected = await snapshot(db, TENANT);

        const shuffled = gen(fc.shuffledSubarray, events, { minLength: events.length, maxLength: events.length });
        const batchSizes = gen(fc.array, fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 });
        await reset();
        await applyInBatches(shuffled, batchSizes);
        expect(await snapshot(db, TENANT)).toEqual(expected);

        const duplicates = gen(fc.array, fc.constantFrom(...events), { minLength: 1, maxLength: events.length });
        const withDuplicates = gen(fc.shuffledSubarray, [...events, ...duplicates], {
          minLength: events.length + duplicates.length,
          maxLength: events.length + duplicates.length,
        });
        await reset();
        await applyInBatches(withDuplicates, batchSizes);
        expect(await snapshot(db, TENANT)).toEqual(expected);

        // Applying everything once more, on top, changes nothing either.
        await applyInBatches(shuffled, [3]);
        expect(await snapshot(db, TENANT)).toEqual(expected);
      }),
      { numRuns: Number(process.env.NORMALIZER_PROPERTY_RUNS ?? 25) },
    );

    expect(await snapshot(db, OTHER_TENANT)).toEqual(bystanderBefore);
  });

  it('links a reward that arrived before its customer, transaction and payout, and keeps removed rows', async () => {
    await reset();
    const events: RawEvent[] = [
      {
        stream: 'rewards',
        key: 'rwrd_1',
        record: reward('rwrd_1', 0, {
          customerKey: 'cus_1',
          transactionKey: 'tran_1',
          payoutId: 9001,
          status: 'approved',
          paymentStatus: 'withdrawn',
          amount: 980,
          partnershipKey: 'part_A',
          company: 'co_A',
        }),
        at: fetchedAt(0, 0),
      },
      { stream: 'payouts', key: 'pay_1', record: payout('pay_1', 9001, 0, 'successful'), at: fetchedAt(0, 0) },
      {
        stream: 'transactions',
        key: 'tran_1',
        record: transaction('tran_1', 0, 'cus_1', 4900, 'USD', false),
        at: fetchedAt(0, 0),
      },
      {
        stream: 'customers',
        key: 'cus_1',
        record: customer('cus_1', 0, {
          email: 'a@b.example',
          name: 'Acme',
          hasPaid: true,
          partnershipKey: 'part_A',
          company: 'co_A',
        }),
        at: fetchedAt(0, 0),
      },
      {
        stream: 'partnerships',
        key: 'part_A',
        record: partnership('part_A', 'co_A', 0, 'active', 20),
        at: fetchedAt(0, 0),
      },
      { stream: 'transactions', key: 'tran_1', record: null, at: fetchedAt(1, 0) },
    ];
    await applyInBatches(events, [1]);
    const { rows } = await db.raw(
      `select r.referral_id = ref.id as referral, r.billing_record_id = b.id as billing, r.payout_id = p.id as payout,
              r.partnership_id = pa.id as partnership, r.program_id = pr.id as program,
              b.referral_id = ref.id as billing_referral, ref.contact_id is not null as contact,
              b.removed_upstream_at is not null as billing_removed
       from domain.reward r, domain.referral ref, domain.billing_record b, domain.payout p, domain.partnership pa, domain.program pr
       where r.tenant_id = ? and r.external_key = 'rwrd_1' and ref.tenant_id = r.tenant_id and ref.external_key = 'cus_1'
         and b.tenant_id = r.tenant_id and b.external_key = 'tran_1' and p.tenant_id = r.tenant_id and p.external_key = 'pay_1'
         and pa.tenant_id = r.tenant_id and pa.external_key = 'part_A' and pr.tenant_id = r.tenant_id and pr.external_key = 'co_A'`,
      [TENANT],
    );
    expect(rows).toEqual([
      {
        referral: true,
        billing: true,
        payout: true,
        partnership: true,
        program: true,
        billing_referral: true,
        contact: true,
        billing_removed: true,
      },
    ]);
  });
});
