import fc from 'fast-check';

import { knex, Knex } from '@mikro-orm/knex';
import { createTestDatabase } from '@pp/testing';

import { mapMessage } from '../../../apps/normalizer/src/normalizing/normalizer.service';
import { ACCOUNT_MATCH_BACKFILL } from '../../../libs/domain/src/migrations/Migration20261204130000AccountMatching';
import { DomainBatchWriter } from '../../../apps/normalizer/src/writing/domain-batch-writer';

import { BASE_TIME, customer, fetchedAt, RawEvent, toMessage } from './raw-events';

const TENANT = 'org_matching';
const OTHER_TENANT = 'org_matching_other';
const DAY = 86_400_000;

/** A customer version as PartnerStack lists it, created `createdDaysAgo` before the fixtures' base time. */
function client(
  key: string,
  version: number,
  email: string | null,
  name: string,
  partnershipKey: string,
  createdDaysAgo = 0,
): RawEvent {
  return {
    stream: 'customers',
    key,
    record: {
      ...customer(key, version, { email, name, hasPaid: false, partnershipKey, company: `co_${partnershipKey}` }),
      created_at: BASE_TIME - createdDaysAgo * DAY,
    },
    at: fetchedAt(version, 0),
  };
}

/**
 * One agency's customers. Acme Shop is one business referred to three programs under two addresses of its domain;
 * cus_a2 was created first, so it is the client account. Two businesses on gmail.com, two on a reserved domain; Delta Design matched by name
 * only (outlook.com never matches, the other has no address); Echo Labs, whose second customer has no address at
 * first (joined by name) and later shows another domain (split back, and the third same-name customer with it).
 */
const ACME = [
  client('cus_a1', 0, 'ada@acme-shop.com', 'Acme Shop', 'part_A'),
  client('cus_a2', 0, 'Billing@ACME-shop.com', 'ACME Shop Ltd', 'part_B', 10),
  client('cus_a3', 0, 'ada@acme-shop.com', 'Acme', 'part_C'),
];
const GMAIL = [
  client('cus_g1', 0, 'bob@gmail.com', "Bob's Bikes", 'part_A'),
  client('cus_g2', 0, 'carol@gmail.com', "Carol's Cakes", 'part_A'),
  // A reserved documentation domain is no business's either.
  client('cus_r1', 0, 'dan@shop.example', "Dan's Deli", 'part_B'),
  client('cus_r2', 0, 'eve@shop.example', "Eve's Eats", 'part_B'),
];
const DELTA = [
  client('cus_n1', 0, 'delta@outlook.com', 'Delta Design', 'part_A'),
  client('cus_n2', 0, null, 'Delta  design', 'part_B'),
];
const ECHO_BEFORE = [
  client('cus_s1', 0, 'hi@echolabs.io', 'Echo Labs', 'part_A'),
  client('cus_s2', 0, null, 'Echo Labs', 'part_B'),
  client('cus_s3', 0, null, 'echo labs', 'part_C'),
];
const ECHO_CONTRADICTION = client('cus_s2', 1, 'ops@echo-labs.de', 'Echo Labs', 'part_B');
const ALL = [...ACME, ...GMAIL, ...DELTA, ...ECHO_BEFORE, ECHO_CONTRADICTION];

type Matched = [account: string, client: string, matchedBy: string, keys: string[]];

/** Worked out by hand from the fixtures above. */
const EXPECTED: Matched[] = [
  ['cus_a1', 'cus_a2', 'domain', ['acme-shop.com']],
  ['cus_a2', 'cus_a2', 'domain', ['acme-shop.com']],
  ['cus_a3', 'cus_a2', 'domain', ['acme-shop.com']],
  ['cus_g1', 'cus_g1', 'single', []],
  ['cus_g2', 'cus_g2', 'single', []],
  ['cus_n1', 'cus_n1', 'name', ['delta design']],
  ['cus_n2', 'cus_n1', 'name', ['delta design']],
  ['cus_r1', 'cus_r1', 'single', []],
  ['cus_r2', 'cus_r2', 'single', []],
  ['cus_s1', 'cus_s1', 'single', []],
  ['cus_s2', 'cus_s2', 'single', []],
  ['cus_s3', 'cus_s3', 'single', []],
];

/** Before the second domain: the two customers without an address join Echo Labs by its name. */
const ECHO_MATCHED_BY_NAME: Matched[] = [
  ['cus_s1', 'cus_s1', 'name', ['echolabs.io', 'echo labs']],
  ['cus_s2', 'cus_s1', 'name', ['echolabs.io', 'echo labs']],
  ['cus_s3', 'cus_s1', 'name', ['echolabs.io', 'echo labs']],
];

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('normalizer: account matching', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Knex;
  const writer = new DomainBatchWriter();

  beforeAll(async () => {
    database = await createTestDatabase('pp_norm_match');
    db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  async function reset(): Promise<void> {
    for (const table of [
      'account_match_history',
      'status_history',
      'status_observation',
      'referral',
      'account',
      'contact',
    ])
      await db.raw(`delete from domain.${table} where tenant_id = ?`, [TENANT]);
  }

  async function apply(events: RawEvent[], batchSizes: number[] = [events.length], tenantId = TENANT): Promise<void> {
    let position = 0;
    for (let batch = 0; position < events.length; batch++) {
      const slice = events.slice(position, position + batchSizes[batch % batchSizes.length]);
      position += slice.length;
      await db.transaction((trx) =>
        writer.apply(
          trx,
          slice.flatMap((event) => mapMessage(toMessage(tenantId, event)).mapped),
        ),
      );
    }
  }

  async function matched(tenantId = TENANT, keys?: string[]): Promise<Matched[]> {
    const { rows } = await db.raw(
      `select a.external_key, c.external_key as client, m.matched_by, m.match_keys
       from domain.account a
       join domain.account_match m on m.account_id = a.id
       join domain.account c on c.id = m.client_account_id
       where a.tenant_id = ? order by a.external_key`,
      [tenantId],
    );
    return (rows as { external_key: string; client: string; matched_by: string; match_keys: string[] }[])
      .filter((row) => !keys || keys.includes(row.external_key))
      .map((row) => [row.external_key, row.client, row.matched_by, row.match_keys]);
  }

  it('groups one business across programs, keeps free-mail apart, matches by name, and splits on a second domain', async () => {
    await reset();
    await apply([...ACME, ...GMAIL, ...DELTA, ...ECHO_BEFORE]);
    expect(await matched(TENANT, ['cus_s1', 'cus_s2', 'cus_s3'])).toEqual(ECHO_MATCHED_BY_NAME);

    await apply([ECHO_CONTRADICTION]);
    expect(await matched()).toEqual(EXPECTED);

    // One account, three referrals in three programs.
    const { rows: referrals } = await db.raw(
      `select r.external_key, r.partnership_key from domain.referral r
       join domain.account_match m on m.account_id = r.account_id
       join domain.account c on c.id = m.client_account_id
       where r.tenant_id = ? and c.external_key = 'cus_a2' order by r.external_key`,
      [TENANT],
    );
    expect(referrals).toEqual([
      { external_key: 'cus_a1', partnership_key: 'part_A' },
      { external_key: 'cus_a2', partnership_key: 'part_B' },
      { external_key: 'cus_a3', partnership_key: 'part_C' },
    ]);

    // The split is history, not a rewrite: cus_s2 joined Echo Labs by name, then left it for its own domain.
    const { rows: history } = await db.raw(
      `select f.external_key as from_client, t.external_key as to_client, h.matched_by, h.match_keys
       from domain.account_match_history h
       join domain.account a on a.id = h.account_id
       left join domain.account f on f.id = h.from_client_account_id
       join domain.account t on t.id = h.to_client_account_id
       where h.tenant_id = ? and a.external_key = 'cus_s2' order by h.changed_at, h.id`,
      [TENANT],
    );
    expect(history).toEqual([
      { from_client: null, to_client: 'cus_s1', matched_by: 'name', match_keys: ['echolabs.io', 'echo labs'] },
      { from_client: 'cus_s1', to_client: 'cus_s2', matched_by: 'single', match_keys: [] },
    ]);

    // A full reconcile sends the same versions again: nothing moves.
    await apply(ALL, [4]);
    expect(await matched()).toEqual(EXPECTED);
  });

  it('gives the same accounts in every order of arrival of the contradicted match', async () => {
    const echo = [...ECHO_BEFORE, ECHO_CONTRADICTION];
    const expected = EXPECTED.filter(([key]) => key.startsWith('cus_s'));
    for (const order of permutations(echo)) {
      await reset();
      await apply(order, [1]);
      expect(await matched()).toEqual(expected);
    }
  });

  it('gives the same accounts whatever the order and batching of every customer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(ALL, { minLength: ALL.length, maxLength: ALL.length }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
        async (order, batchSizes) => {
          await reset();
          await apply(order, batchSizes);
          expect(await matched()).toEqual(EXPECTED);
        },
      ),
      { numRuns: Number(process.env.NORMALIZER_PROPERTY_RUNS ?? 15) },
    );
  });

  it("matches existing accounts in the migration's backfill as the normalizer does batch by batch", async () => {
    await reset();
    await apply(ALL, [1]);
    await apply([client('cus_x1', 0, 'owner@acme-shop.com', 'Acme Shop', 'part_X', 30)], undefined, OTHER_TENANT);
    await db.raw('delete from domain.account_match');
    await db.raw(ACCOUNT_MATCH_BACKFILL);
    expect(await matched()).toEqual(EXPECTED);
    expect(await matched(OTHER_TENANT)).toEqual([['cus_x1', 'cus_x1', 'single', []]]);
  });

  it('never matches across tenants', async () => {
    await reset();
    await apply(ACME);
    await apply([client('cus_x1', 0, 'owner@acme-shop.com', 'Acme Shop', 'part_X', 30)], undefined, OTHER_TENANT);
    expect(await matched()).toEqual(EXPECTED.filter(([key]) => key.startsWith('cus_a')));
    expect(await matched(OTHER_TENANT)).toEqual([['cus_x1', 'cus_x1', 'single', []]]);
  });
});
