import { randomUUID } from 'node:crypto';

import request from 'supertest';
import { Client } from 'pg';

import { uniqueName } from '@pp/testing';

import { ReportingHarness, startReporting } from './reporting-app';
import { insert, seedOrgA } from './reporting-fixture';

type Row = Record<string, unknown> & { id: string; external_key: string };

const REMOVED_AT = '2026-11-01T00:00:00.000Z';

function synced(tenant: string, key: string, created: string, extra: Record<string, unknown>, removed = false): Row {
  return {
    id: randomUUID(),
    tenant_id: tenant,
    external_key: key,
    source_created_at: created,
    last_fetched_at: new Date().toISOString(),
    removed_upstream_at: removed ? REMOVED_AT : null,
    raw: {},
    ...extra,
  };
}

/**
 * One org's accounts and contacts, the expectations below worked out by hand from it. Account A1 (Acme Store) is
 * one client referred to two programs: customers cus_a1 (PA, contact K1), cus_a2 (PB, contact K2) and cus_a3 (PA,
 * removed), as account matching links them. A2 (Globex) has one referral in PB and no contact row; A3 is removed.
 * A1's money: T1 10000 USD, T2 5000 EUR, T3 3000 USD refunded (PA), T4 7000 USD (PB), T5 removed; rewards W1 2000
 * USD and W2 800 EUR (PA), W3 5000 USD (PB), W4 removed. A2's T6 and W5 must not reach A1.
 * Assignment statuses: R1 paying (has_paid), R2 and R4 signed_up (a live reward), R3 and R5 lost (removed),
 * R6 churned (archived, although it paid), R7 referred (its only reward is removed).
 */
async function seed(db: Client, tenant: string) {
  const gA = synced(tenant, 'co_shopwise', '2025-06-01T00:00:00Z', { name: 'Shopwise' });
  await insert(db, 'program', [gA]);
  const PA = synced(tenant, 'part_pa', '2025-07-01T00:00:00Z', { program_id: gA.id, status: 'active' });
  // No program row: the name comes from the partnership's raw company, as the referral list shows it.
  const PB = synced(tenant, 'part_pb', '2025-08-01T00:00:00Z', {
    status: 'active',
    raw: { company: { name: 'Fastmail' } },
  });
  await insert(db, 'partnership', [PA, PB]);
  const K1 = synced(tenant, 'owner@acme.example', '2026-01-01T00:00:00Z', {
    email: 'owner@acme.example',
    name: 'Ada Owner',
  });
  const K2 = synced(tenant, 'billing@acme.example', '2026-02-01T00:00:00Z', {
    email: 'billing@acme.example',
    name: 'Bob Billing',
  });
  const K3 = synced(tenant, 'old@gone.example', '2026-01-15T00:00:00Z', { email: 'old@gone.example' }, true);
  await insert(db, 'contact', [K1, K2, K3]);
  const A1 = synced(tenant, 'cus_a1', '2026-01-02T00:00:00Z', {
    name: 'Acme Store',
    name_normalized: 'acme store',
    country_iso: 'US',
    vendor_customer_key: 'acme-1',
    contact_email: 'owner@acme.example',
    contact_id: K1.id,
  });
  const A2 = synced(tenant, 'cus_b1', '2026-03-01T00:00:00Z', {
    name: 'Globex',
    contact_email: 'ceo@globex.example',
  });
  const A3 = synced(tenant, 'cus_g1', '2026-01-20T00:00:00Z', { name: 'Gone Ltd' }, true);
  await insert(db, 'account', [A1, A2, A3]);
  const referral = (key: string, created: string, program: Row, extra: Record<string, unknown>, removed = false) =>
    synced(
      tenant,
      key,
      created,
      { partnership_id: program.id, partnership_key: program.external_key, ...extra },
      removed,
    );
  const R1 = referral('cus_a1', '2026-01-02T00:00:00Z', PA, {
    account_id: A1.id,
    contact_id: K1.id,
    contact_email: 'owner@acme.example',
    status: 'converted',
    has_paid: true,
  });
  const R2 = referral('cus_a2', '2026-02-10T00:00:00Z', PB, {
    account_id: A1.id,
    contact_id: K2.id,
    contact_email: 'billing@acme.example',
  });
  const R3 = referral(
    'cus_a3',
    '2026-01-05T00:00:00Z',
    PA,
    { account_id: A1.id, contact_email: 'Old@Acme.example' },
    true,
  );
  const R4 = referral('cus_b1', '2026-03-01T00:00:00Z', PB, { account_id: A2.id, contact_email: 'ceo@globex.example' });
  const R5 = referral('cus_g1', '2026-01-20T00:00:00Z', PA, { account_id: A3.id }, true);
  // Not linked to an account: they only show the assignment statuses the accounts' referrals do not.
  const R6 = referral('cus_x1', '2026-02-20T00:00:00Z', PA, { archived: true, status: 'archived', has_paid: true });
  const R7 = referral('cus_x2', '2026-02-21T00:00:00Z', PB, { has_paid: false });
  await insert(db, 'referral', [R1, R2, R3, R4, R5, R6, R7]);
  const tx = (key: string, who: Row, program: Row, amount: number, currency: string, extra = {}, removed = false) =>
    synced(
      tenant,
      key,
      '2026-02-15T00:00:00Z',
      { referral_id: who.id, partnership_id: program.id, amount, currency, ...extra },
      removed,
    );
  await insert(db, 'billing_record', [
    tx('tran_t1', R1, PA, 10000, 'USD'),
    tx('tran_t2', R1, PA, 5000, 'EUR'),
    tx('tran_t3', R1, PA, 3000, 'USD', { refunded: true }),
    tx('tran_t4', R2, PB, 7000, 'USD'),
    tx('tran_t5', R3, PA, 9999, 'USD', {}, true),
    tx('tran_t6', R4, PB, 1234, 'USD'),
  ]);
  const reward = (
    key: string,
    who: Row,
    program: Row,
    amount: number,
    currency: string,
    status: string,
    removed = false,
  ) =>
    synced(
      tenant,
      key,
      '2026-02-16T00:00:00Z',
      {
        referral_id: who.id,
        partnership_id: program.id,
        amount,
        currency,
        reward_status: status,
        recurrence: 'one_time',
      },
      removed,
    );
  await insert(db, 'reward', [
    reward('rwrd_w1', R1, PA, 2000, 'USD', 'approved'),
    reward('rwrd_w2', R1, PA, 800, 'EUR', 'declined'),
    reward('rwrd_w3', R2, PB, 5000, 'USD', 'pending'),
    reward('rwrd_w4', R2, PB, 100, 'USD', 'pending', true),
    reward('rwrd_w5', R4, PB, 50, 'USD', 'pending'),
    // Removed: R7 stays `referred`, a reward PartnerStack no longer returns is no sign-up.
    reward('rwrd_w6', R7, PB, 75, 'USD', 'pending', true),
  ]);
  const D1 = synced(tenant, 'deal_d1', '2026-02-03T00:00:00Z', {
    account_id: A1.id,
    account_name: 'Acme Store',
    stage: 'Qualified',
    amount: 150000,
    currency: 'USD',
  });
  const D2 = synced(tenant, 'deal_d2', '2026-02-04T00:00:00Z', { account_name: 'Nobody', stage: 'Lost' });
  await insert(db, 'deal', [D1, D2]);
  const L1 = synced(tenant, 'lead_l1', '2026-02-05T00:00:00Z', { account_id: A1.id, status: 'open' });
  const L2 = synced(tenant, 'lead_l2', '2026-02-06T00:00:00Z', { account_id: A2.id, status: 'open' });
  await insert(db, 'lead', [L1, L2]);
  return { PA, PB, K1, K2, K3, A1, A2, A3, R1, R2, R3, R4, D1, L1 };
}

/**
 * One business referred to three programs, as the normalizer matches it (account_match rows written here as its
 * matcher would): customers cus_m1 (PA, ada@acme-shop.com), cus_m2 (PB, billing@acme-shop.com, the oldest, so the
 * client account) and cus_m3 (PC); and two businesses on gmail.com, each alone. Money, by hand:
 * Acme: T1 10000 USD (amount_usd 10000, cus_m1), T2 5000 EUR (amount_usd 5400, cus_m2), T3 2000 USD refunded
 * (cus_m3) → revenueUsd 15400; rewards W1 1000 USD (cus_m1), W2 300 EUR (cus_m3).
 * Bob (cus_g1): T4 8000 USD, W3 2000 USD. Carol (cus_g2): T5 100 USD, W4 50 USD.
 */
async function seedMatched(db: Client, tenant: string) {
  const partnership = (key: string, name: string) =>
    synced(tenant, key, '2025-01-01T00:00:00Z', { status: 'active', raw: { company: { name } } });
  const PA = partnership('part_ma', 'Alpha');
  const PB = partnership('part_mb', 'Beta');
  const PC = partnership('part_mc', 'Gamma');
  await insert(db, 'partnership', [PA, PB, PC]);
  const account = (key: string, created: string, name: string, email: string) =>
    synced(tenant, key, created, { name, name_normalized: name.toLowerCase(), contact_email: email });
  const M1 = account('cus_m1', '2026-01-10T00:00:00Z', 'Acme Shop', 'ada@acme-shop.com');
  const M2 = account('cus_m2', '2026-01-05T00:00:00Z', 'ACME Shop Ltd', 'billing@acme-shop.com');
  const M3 = account('cus_m3', '2026-02-01T00:00:00Z', 'Acme', 'ada@acme-shop.com');
  const G1 = account('cus_g1', '2026-03-01T00:00:00Z', "Bob's Bikes", 'bob@gmail.com');
  const G2 = account('cus_g2', '2026-03-02T00:00:00Z', "Carol's Cakes", 'carol@gmail.com');
  await insert(db, 'account', [M1, M2, M3, G1, G2]);
  const match = (of: Row, client: Row, matchedBy: string, keys: string[]) => ({
    account_id: of.id,
    tenant_id: tenant,
    domain: matchedBy === 'domain' ? 'acme-shop.com' : null,
    name_normalized: of.name_normalized,
    match_key: matchedBy === 'domain' ? 'd:acme-shop.com' : `a:${of.id}`,
    client_account_id: client.id,
    matched_by: matchedBy,
    match_keys: `{${keys.join(',')}}`,
    matched_at: new Date().toISOString(),
  });
  for (const row of [
    match(M1, M2, 'domain', ['acme-shop.com']),
    match(M2, M2, 'domain', ['acme-shop.com']),
    match(M3, M2, 'domain', ['acme-shop.com']),
    match(G1, G1, 'single', []),
    match(G2, G2, 'single', []),
  ]) {
    const columns = Object.keys(row);
    await db.query(
      `insert into domain.account_match (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      Object.values(row),
    );
  }
  // cus_m1 arrived alone, then joined cus_m2 when its domain showed.
  for (const [from, to, matchedBy, keys, at] of [
    [null, M1.id, 'single', '{}', '2026-01-10T00:00:00Z'],
    [M1.id, M2.id, 'domain', '{acme-shop.com}', '2026-01-11T00:00:00Z'],
  ])
    await db.query(
      `insert into domain.account_match_history
         (tenant_id, account_id, from_client_account_id, to_client_account_id, matched_by, match_keys, changed_at)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [tenant, M1.id, from, to, matchedBy, keys, at],
    );
  const referral = (of: Row, program: Row) =>
    synced(tenant, of.external_key, of.source_created_at as string, {
      account_id: of.id,
      partnership_id: program.id,
      partnership_key: program.external_key,
      contact_email: of.contact_email,
    });
  const [R1, R2, R3, R4, R5] = [
    referral(M1, PA),
    referral(M2, PB),
    referral(M3, PC),
    referral(G1, PA),
    referral(G2, PA),
  ];
  await insert(db, 'referral', [R1, R2, R3, R4, R5]);
  const tx = (key: string, who: Row, amount: number, currency: string, usd: number, refunded = false) =>
    synced(tenant, key, '2026-03-05T00:00:00Z', {
      referral_id: who.id,
      partnership_id: who.partnership_id,
      amount,
      currency,
      amount_usd: usd,
      refunded,
    });
  await insert(db, 'billing_record', [
    tx('tran_m1', R1, 10000, 'USD', 10000),
    tx('tran_m2', R2, 5000, 'EUR', 5400),
    tx('tran_m3', R3, 2000, 'USD', 2000, true),
    tx('tran_g1', R4, 8000, 'USD', 8000),
    tx('tran_g2', R5, 100, 'USD', 100),
  ]);
  const reward = (key: string, who: Row, amount: number, currency: string) =>
    synced(tenant, key, '2026-03-06T00:00:00Z', {
      referral_id: who.id,
      partnership_id: who.partnership_id,
      amount,
      currency,
      reward_status: 'approved',
      recurrence: 'one_time',
    });
  await insert(db, 'reward', [
    reward('rwrd_m1', R1, 1000, 'USD'),
    reward('rwrd_m3', R3, 300, 'EUR'),
    reward('rwrd_g1', R4, 2000, 'USD'),
    reward('rwrd_g2', R5, 50, 'USD'),
  ]);
  await db.query('select domain.refresh_tenant_aggregates($1)', [tenant]);
  return { PA, PB, PC, M1, M2, M3, G1, G2 };
}

describe('reporting accounts and contacts (numbers worked out by hand from the seed above)', () => {
  let harness: ReportingHarness;
  let fx: Awaited<ReturnType<typeof seed>>;
  let other: Awaited<ReturnType<typeof seedOrgA>>;
  const org = uniqueName('org_accounts');
  const otherOrg = uniqueName('org_other');

  const get = (path: string, query: Record<string, string | number | boolean> = {}, accept = 'application/json') =>
    request(harness.app.getHttpServer())
      .get(path)
      .query(query)
      .set('Accept', accept)
      .set('Authorization', `Bearer ${harness.tokenFor(org)}`);
  const keysOf = (data: Array<{ externalKey: string }>) => data.map((item) => item.externalKey);
  const listed = async (path: string, query: Record<string, string | number | boolean> = {}) =>
    keysOf((await get(path, query).expect(200)).body.data);
  const programA = () => ({ id: fx.PA.id, externalKey: 'part_pa', name: 'Shopwise' });
  const programB = () => ({ id: fx.PB.id, externalKey: 'part_pb', name: 'Fastmail' });

  beforeAll(async () => {
    harness = await startReporting();
    fx = await seed(harness.admin, org);
    other = await seedOrgA(harness.admin, otherOrg);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('lists accounts with their contact, referral count and link keys across programs', async () => {
    const { body } = await get('/v1/accounts').expect(200);
    expect(keysOf(body.data)).toEqual(['cus_b1', 'cus_a1']);
    expect(body.nextCursor).toBeNull();
    expect(body.data[1]).toEqual({
      id: fx.A1.id,
      externalKey: 'cus_a1',
      createdAt: '2026-01-02T00:00:00.000Z',
      name: 'Acme Store',
      countryIso: 'US',
      vendorCustomerKey: 'acme-1',
      contact: { id: fx.K1.id, email: 'owner@acme.example', name: 'Ada Owner' },
      referralCount: 2,
      linkKeys: {
        emailDomains: ['acme.example'],
        emails: ['billing@acme.example', 'old@acme.example', 'owner@acme.example'],
        customerKeys: ['cus_a1', 'cus_a2', 'cus_a3'],
        programs: [programA(), programB()],
      },
      // No account_match row (the seed links its referrals directly): an account of its own.
      matchedBy: 'single',
      matchKeys: [],
      removedUpstreamAt: null,
    });
    // No contact row: the account's own e-mail is still a link key.
    expect(body.data[0]).toMatchObject({
      contact: null,
      referralCount: 1,
      linkKeys: { emailDomains: ['globex.example'], emails: ['ceo@globex.example'], programs: [programB()] },
    });
  });

  it('filters accounts by program, text, creation time and removal, and sorts and pages them', async () => {
    expect(await listed('/v1/accounts', { includeRemoved: true })).toEqual(['cus_b1', 'cus_g1', 'cus_a1']);
    expect(await listed('/v1/accounts', { programId: fx.PA.id })).toEqual(['cus_a1']);
    expect(await listed('/v1/accounts', { programId: fx.PA.id, includeRemoved: true })).toEqual(['cus_g1', 'cus_a1']);
    expect(await listed('/v1/accounts', { programId: fx.PB.id })).toEqual(['cus_b1', 'cus_a1']);
    expect(await listed('/v1/accounts', { programId: randomUUID() })).toEqual([]);
    expect(await listed('/v1/accounts', { q: 'acme' })).toEqual(['cus_a1']);
    expect(await listed('/v1/accounts', { q: 'ACME-1' })).toEqual(['cus_a1']);
    expect(await listed('/v1/accounts', { q: 'globex.example' })).toEqual(['cus_b1']);
    expect(await listed('/v1/accounts', { q: '%' })).toEqual([]);
    expect(await listed('/v1/accounts', { from: '2026-01-10' })).toEqual(['cus_b1']);
    expect(await listed('/v1/accounts', { to: '2026-01-31', includeRemoved: true })).toEqual(['cus_g1', 'cus_a1']);
    expect(await listed('/v1/accounts', { from: '2026-01-02T00:00:01Z', to: '2026-03-01' })).toEqual(['cus_b1']);
    expect(await listed('/v1/accounts', { sort: 'createdAt' })).toEqual(['cus_a1', 'cus_b1']);

    const first = (await get('/v1/accounts', { limit: 1, includeRemoved: true }).expect(200)).body;
    expect(keysOf(first.data)).toEqual(['cus_b1']);
    const second = (await get('/v1/accounts', { limit: 1, includeRemoved: true, cursor: first.nextCursor }).expect(200))
      .body;
    expect(keysOf(second.data)).toEqual(['cus_g1']);
    const third = (await get('/v1/accounts', { limit: 1, includeRemoved: true, cursor: second.nextCursor }).expect(200))
      .body;
    expect(keysOf(third.data)).toEqual(['cus_a1']);
    expect(third.nextCursor).toBeNull();

    await get('/v1/accounts', { status: 'active' }).expect(400);
    await get('/v1/accounts', { sort: 'name' }).expect(400);
    await get('/v1/accounts', { programId: 'nope' }).expect(400);
    await get('/v1/accounts', { cursor: 'garbage' }).expect(400);
    await get('/v1/accounts', { limit: 501 }).expect(400);
  });

  it('details an account: referrals in every program, contacts, money per program and currency, deals, leads', async () => {
    const { body } = await get(`/v1/accounts/${fx.A1.id}`).expect(200);
    expect(body).toMatchObject({ id: fx.A1.id, name: 'Acme Store', referralCount: 2 });
    expect(keysOf(body.referrals)).toEqual(['cus_a2', 'cus_a3', 'cus_a1']);
    expect(body.referrals[0]).toMatchObject({
      id: fx.R2.id,
      program: programB(),
      account: { id: fx.A1.id, name: 'Acme Store' },
      contact: { id: fx.K2.id, email: 'billing@acme.example' },
      removedUpstreamAt: null,
    });
    expect(body.referrals[1]).toMatchObject({ program: programA(), removedUpstreamAt: REMOVED_AT });
    expect(body.referrals.map((item: { assignmentStatus: string }) => item.assignmentStatus)).toEqual([
      'signed_up',
      'lost',
      'paying',
    ]);
    expect(body.contacts).toEqual([
      { id: fx.K2.id, email: 'billing@acme.example', name: 'Bob Billing' },
      { id: fx.K1.id, email: 'owner@acme.example', name: 'Ada Owner' },
    ]);
    expect(body.totals).toEqual({
      revenue: [
        { amount: 5000, currency: 'EUR' },
        { amount: 17000, currency: 'USD' },
      ],
      refunds: [{ amount: 3000, currency: 'USD' }],
      rewards: [
        { amount: 800, currency: 'EUR' },
        { amount: 7000, currency: 'USD' },
      ],
      transactions: 3,
      rewardCount: 3,
      byProgram: [
        {
          program: programA(),
          revenue: [
            { amount: 5000, currency: 'EUR' },
            { amount: 10000, currency: 'USD' },
          ],
          refunds: [{ amount: 3000, currency: 'USD' }],
          rewards: [
            { amount: 800, currency: 'EUR' },
            { amount: 2000, currency: 'USD' },
          ],
          transactions: 2,
          rewardCount: 2,
        },
        {
          program: programB(),
          revenue: [{ amount: 7000, currency: 'USD' }],
          refunds: [],
          rewards: [{ amount: 5000, currency: 'USD' }],
          transactions: 1,
          rewardCount: 1,
        },
      ],
    });
    expect(body.deals).toEqual([
      expect.objectContaining({ id: fx.D1.id, stage: 'Qualified', amount: { amount: 150000, currency: 'USD' } }),
    ]);
    expect(body.leads).toEqual([expect.objectContaining({ id: fx.L1.id, accountId: fx.A1.id, status: 'open' })]);

    const removed = (await get(`/v1/accounts/${fx.A3.id}`).expect(200)).body;
    expect(removed).toMatchObject({ removedUpstreamAt: REMOVED_AT, referralCount: 0, contacts: [], deals: [] });
    expect(removed.totals).toEqual({
      revenue: [],
      refunds: [],
      rewards: [],
      transactions: 0,
      rewardCount: 0,
      byProgram: [],
    });
  });

  it('lists contacts with their link keys, filtered, sorted and paged like the other lists', async () => {
    const { body } = await get('/v1/contacts').expect(200);
    expect(keysOf(body.data)).toEqual(['billing@acme.example', 'owner@acme.example']);
    expect(body.data[1]).toEqual({
      id: fx.K1.id,
      externalKey: 'owner@acme.example',
      createdAt: '2026-01-01T00:00:00.000Z',
      email: 'owner@acme.example',
      name: 'Ada Owner',
      referralCount: 1,
      linkKeys: {
        emailDomains: ['acme.example'],
        emails: ['owner@acme.example'],
        customerKeys: ['cus_a1'],
        programs: [programA()],
      },
      removedUpstreamAt: null,
    });
    expect(await listed('/v1/contacts', { includeRemoved: true })).toEqual([
      'billing@acme.example',
      'old@gone.example',
      'owner@acme.example',
    ]);
    expect(await listed('/v1/contacts', { programId: fx.PA.id })).toEqual(['owner@acme.example']);
    expect(await listed('/v1/contacts', { programId: fx.PB.id })).toEqual(['billing@acme.example']);
    expect(await listed('/v1/contacts', { q: 'bob' })).toEqual(['billing@acme.example']);
    expect(await listed('/v1/contacts', { q: 'OWNER@' })).toEqual(['owner@acme.example']);
    expect(await listed('/v1/contacts', { from: '2026-01-15', includeRemoved: true })).toEqual([
      'billing@acme.example',
      'old@gone.example',
    ]);
    expect(await listed('/v1/contacts', { to: '2026-01-14' })).toEqual(['owner@acme.example']);
    expect(await listed('/v1/contacts', { sort: 'createdAt' })).toEqual(['owner@acme.example', 'billing@acme.example']);
    const first = (await get('/v1/contacts', { limit: 1 }).expect(200)).body;
    const second = (await get('/v1/contacts', { limit: 1, cursor: first.nextCursor }).expect(200)).body;
    expect([...keysOf(first.data), ...keysOf(second.data)]).toEqual(['billing@acme.example', 'owner@acme.example']);
    expect(second.nextCursor).toBeNull();
    await get('/v1/contacts', { status: 'active' }).expect(400);
    await get('/v1/contacts', { sort: '-email' }).expect(400);
  });

  it('details a contact with its referrals and accounts', async () => {
    const owner = (await get(`/v1/contacts/${fx.K1.id}`).expect(200)).body;
    expect(keysOf(owner.referrals)).toEqual(['cus_a1']);
    // A1 is both the account of its referral and the account it is the contact of: listed once.
    expect(owner.accounts).toEqual([
      { id: fx.A1.id, externalKey: 'cus_a1', name: 'Acme Store', countryIso: 'US', vendorCustomerKey: 'acme-1' },
    ]);
    const billing = (await get(`/v1/contacts/${fx.K2.id}`).expect(200)).body;
    expect(keysOf(billing.referrals)).toEqual(['cus_a2']);
    expect(billing.accounts.map((account: { id: string }) => account.id)).toEqual([fx.A1.id]);
    const gone = (await get(`/v1/contacts/${fx.K3.id}`).expect(200)).body;
    expect(gone).toMatchObject({ removedUpstreamAt: REMOVED_AT, referrals: [], accounts: [], referralCount: 0 });
  });

  it("derives each referral's assignment status and filters on it", async () => {
    const statuses = async (query: Record<string, string | boolean> = {}) =>
      (await get('/v1/referrals', query).expect(200)).body.data.map(
        (item: { externalKey: string; assignmentStatus: string }) => [item.externalKey, item.assignmentStatus],
      );
    expect(await statuses({ includeRemoved: true })).toEqual([
      ['cus_b1', 'signed_up'],
      ['cus_x2', 'referred'],
      ['cus_x1', 'churned'],
      ['cus_a2', 'signed_up'],
      ['cus_g1', 'lost'],
      ['cus_a3', 'lost'],
      ['cus_a1', 'paying'],
    ]);
    expect(await listed('/v1/referrals', { assignmentStatus: 'signed_up' })).toEqual(['cus_b1', 'cus_a2']);
    expect(await listed('/v1/referrals', { assignmentStatus: 'signed_up', programId: fx.PB.id })).toEqual([
      'cus_b1',
      'cus_a2',
    ]);
    expect(await listed('/v1/referrals', { assignmentStatus: 'paying' })).toEqual(['cus_a1']);
    expect(await listed('/v1/referrals', { assignmentStatus: 'churned' })).toEqual(['cus_x1']);
    expect(await listed('/v1/referrals', { assignmentStatus: 'referred' })).toEqual(['cus_x2']);
    expect(await listed('/v1/referrals', { assignmentStatus: 'lost', includeRemoved: true })).toEqual([
      'cus_g1',
      'cus_a3',
    ]);
    // PartnerStack's own status string is a separate filter: archived (R6) is not what `paying` means.
    expect(await listed('/v1/referrals', { assignmentStatus: 'paying', status: 'archived' })).toEqual([]);
    const lost = await get('/v1/referrals', { assignmentStatus: 'lost' }).expect(400);
    expect(lost.body.detail).toContain('includeRemoved=true');
    await get('/v1/referrals', { assignmentStatus: 'won' }).expect(400);
    const csv = await get('/v1/referrals', { assignmentStatus: 'churned' }, 'text/csv').expect(200);
    const [header, line] = csv.text.trim().split('\r\n');
    expect(header.split(',').at(-1)).toBe('assignment_status');
    expect(line.split(',').at(-1)).toBe('churned');
    expect((await get(`/v1/referrals/${fx.R3.id}`).expect(200)).body.assignmentStatus).toBe('lost');
  });

  it('streams both lists as CSV, filtered like the JSON', async () => {
    const accounts = await get('/v1/accounts', { programId: fx.PB.id }, 'text/csv').expect(200);
    expect(accounts.headers['content-type']).toMatch(/^text\/csv/);
    expect(accounts.headers['content-disposition']).toContain('accounts.csv');
    const lines = accounts.text.trim().split('\r\n');
    expect(lines).toEqual([
      'id,external_key,created_at,name,country_iso,vendor_customer_key,contact_email,referral_count,emails,email_domains,customer_keys,program_ids,removed_upstream_at,matched_by,match_keys',
      `${fx.A2.id},cus_b1,2026-03-01T00:00:00.000Z,Globex,,,,1,ceo@globex.example,globex.example,cus_b1,${fx.PB.id},,single,`,
      `${fx.A1.id},cus_a1,2026-01-02T00:00:00.000Z,Acme Store,US,acme-1,owner@acme.example,2,billing@acme.example old@acme.example owner@acme.example,acme.example,cus_a1 cus_a2 cus_a3,${fx.PA.id} ${fx.PB.id},,single,`,
    ]);
    const contacts = await get('/v1/contacts', { includeRemoved: true, q: 'gone' }, 'text/csv').expect(200);
    expect(contacts.headers['content-disposition']).toContain('contacts.csv');
    expect(contacts.text.trim().split('\r\n')).toEqual([
      'id,external_key,created_at,email,name,referral_count,email_domains,customer_keys,program_ids,removed_upstream_at',
      `${fx.K3.id},old@gone.example,2026-01-15T00:00:00.000Z,old@gone.example,,0,gone.example,,,${REMOVED_AT}`,
    ]);
  });

  it("answers 404 for another org's account or contact, and never lists or counts its records", async () => {
    await get(`/v1/accounts/${other.account.id}`).expect(404);
    await get(`/v1/contacts/${other.contact.id}`).expect(404);
    await get(`/v1/accounts/${randomUUID()}`).expect(404);
    await get(`/v1/contacts/${randomUUID()}`).expect(404);
    expect(await listed('/v1/accounts', { programId: other.P1.id, includeRemoved: true })).toEqual([]);
    expect(await listed('/v1/contacts', { programId: other.P1.id, includeRemoved: true })).toEqual([]);
    // Both orgs use the same contact e-mail (and some of the same PartnerStack keys): only ids tell them apart.
    const secretsOfOther = Object.values(other).map((row) => row.id);
    for (const path of ['/v1/accounts', '/v1/contacts']) {
      for (const accept of ['application/json', 'text/csv']) {
        const { text } = await get(path, { includeRemoved: true }, accept).expect(200);
        for (const secret of secretsOfOther) expect(text).not.toContain(secret);
      }
    }
    // The other org's referral C1 points at its account, in a program of its own: never in our keys or totals.
    const detail = (await get(`/v1/accounts/${fx.A1.id}`).expect(200)).text;
    for (const secret of secretsOfOther) expect(detail).not.toContain(secret);
    // And the other org sees its own account, not ours.
    const theirs = await request(harness.app.getHttpServer())
      .get('/v1/accounts')
      .set('Authorization', `Bearer ${harness.tokenFor(otherOrg)}`)
      .expect(200);
    expect(theirs.body.data.map((account: { id: string }) => account.id)).toEqual([other.account.id]);
  });

  it('answers 400 with problem details for an id that cannot be one', async () => {
    for (const path of ['/v1/accounts', '/v1/contacts']) {
      for (const id of ['not-a-uuid', "1' or '1'='1", 'x'.repeat(500)]) {
        const response = await get(`${path}/${encodeURIComponent(id)}`).expect(400);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body).toMatchObject({ status: 400 });
      }
    }
  });

  describe('reporting: one client account across programs (numbers worked out by hand from the seed above)', () => {
    let fx: Awaited<ReturnType<typeof seedMatched>>;
    const matchedOrg = uniqueName('org_matched');
    const bystanderOrg = uniqueName('org_matched_other');

    const getAs = (path: string, query: Record<string, string | number | boolean> = {}, tenant = matchedOrg) =>
      request(harness.app.getHttpServer())
        .get(path)
        .query(query)
        .set('Authorization', `Bearer ${harness.tokenFor(tenant)}`);

    beforeAll(async () => {
      fx = await seedMatched(harness.admin, matchedOrg);
      await seedMatched(harness.admin, bystanderOrg);
    });

    it('lists client accounts: one for the business referred to three programs, one per free-mail business', async () => {
      const { body } = await getAs('/v1/accounts').expect(200);
      expect(keysOf(body.data)).toEqual(['cus_g2', 'cus_g1', 'cus_m2']);
      expect(body.data[2]).toMatchObject({
        id: fx.M2.id,
        name: 'ACME Shop Ltd',
        referralCount: 3,
        matchedBy: 'domain',
        matchKeys: ['acme-shop.com'],
        linkKeys: {
          emailDomains: ['acme-shop.com'],
          emails: ['ada@acme-shop.com', 'billing@acme-shop.com'],
          customerKeys: ['cus_m1', 'cus_m2', 'cus_m3'],
          programs: [fx.PA, fx.PB, fx.PC].map((program) => expect.objectContaining({ id: program.id })),
        },
      });
      expect(body.data[0]).toMatchObject({ matchedBy: 'single', matchKeys: [], referralCount: 1 });
      expect(keysOf((await getAs('/v1/accounts', { programId: fx.PC.id }).expect(200)).body.data)).toEqual(['cus_m2']);
      expect(keysOf((await getAs('/v1/accounts', { q: 'cus_m3' }).expect(200)).body.data)).toEqual(['cus_m2']);
      expect(keysOf((await getAs('/v1/accounts', { q: 'ada@acme' }).expect(200)).body.data)).toEqual(['cus_m2']);
    });

    it("details the client account from any of its customers' ids, with the referrals of every program", async () => {
      for (const id of [fx.M1.id, fx.M2.id, fx.M3.id]) {
        const { body } = await getAs(`/v1/accounts/${id}`).expect(200);
        expect(body.id).toBe(fx.M2.id);
        expect(keysOf(body.customerAccounts)).toEqual(['cus_m1', 'cus_m2', 'cus_m3']);
        expect(body.matchHistory).toEqual([
          {
            accountId: fx.M1.id,
            fromClientAccountId: null,
            toClientAccountId: fx.M1.id,
            matchedBy: 'single',
            matchKeys: [],
            changedAt: '2026-01-10T00:00:00.000Z',
          },
          {
            accountId: fx.M1.id,
            fromClientAccountId: fx.M1.id,
            toClientAccountId: fx.M2.id,
            matchedBy: 'domain',
            matchKeys: ['acme-shop.com'],
            changedAt: '2026-01-11T00:00:00.000Z',
          },
        ]);
        expect(keysOf(body.referrals)).toEqual(['cus_m3', 'cus_m1', 'cus_m2']);
        expect(body.totals).toMatchObject({
          revenue: [
            { amount: 5000, currency: 'EUR' },
            { amount: 10000, currency: 'USD' },
          ],
          refunds: [{ amount: 2000, currency: 'USD' }],
          rewards: [
            { amount: 300, currency: 'EUR' },
            { amount: 1000, currency: 'USD' },
          ],
        });
      }
      expect((await getAs(`/v1/accounts/${fx.G1.id}`).expect(200)).body.customerAccounts).toEqual([
        { id: fx.G1.id, externalKey: 'cus_g1', name: "Bob's Bikes", removedUpstreamAt: null },
      ]);
    });

    it('ranks client accounts by revenue in USD, a page at a time', async () => {
      const first = (await getAs('/v1/reports/revenue', { groupBy: 'account', limit: 1 }).expect(200)).body;
      expect(first).toEqual({
        groupBy: 'account',
        data: [
          {
            key: fx.M2.id,
            label: 'ACME Shop Ltd',
            revenue: [
              { amount: 5000, currency: 'EUR' },
              { amount: 10000, currency: 'USD' },
            ],
            revenueUsd: { amount: 15400, currency: 'USD' },
            transactions: 2,
            transactionsWithoutUsd: 0,
            refunds: [{ amount: 2000, currency: 'USD' }],
            refundedTransactions: 1,
          },
        ],
        nextCursor: expect.any(String),
      });
      const second = (
        await getAs('/v1/reports/revenue', { groupBy: 'account', limit: 1, cursor: first.nextCursor }).expect(200)
      ).body;
      expect(second.data).toEqual([
        expect.objectContaining({ key: fx.G1.id, revenueUsd: { amount: 8000, currency: 'USD' }, transactions: 1 }),
      ]);
      const third = (
        await getAs('/v1/reports/revenue', { groupBy: 'account', limit: 1, cursor: second.nextCursor }).expect(200)
      ).body;
      expect(third).toMatchObject({ data: [{ key: fx.G2.id, revenueUsd: { amount: 100, currency: 'USD' } }] });
      expect(third.nextCursor).toBeNull();
      const onlyA = (await getAs('/v1/reports/revenue', { groupBy: 'account', programId: fx.PA.id }).expect(200)).body;
      expect(
        onlyA.data.map((point: { key: string; revenueUsd: { amount: number } }) => [
          point.key,
          point.revenueUsd.amount,
        ]),
      ).toEqual([
        [fx.M2.id, 10000],
        [fx.G1.id, 8000],
        [fx.G2.id, 100],
      ]);
      const csv = await getAs('/v1/reports/revenue', { groupBy: 'account', limit: 1 })
        .set('Accept', 'text/csv')
        .expect(200);
      expect(csv.headers['content-disposition']).toContain('revenue-by-account.csv');
      expect(csv.text.trim().split('\r\n')).toEqual([
        'account_id,name,revenue_usd,revenue,transactions,transactions_without_usd,refunds,refunded_transactions',
        `${fx.M2.id},ACME Shop Ltd,15400,5000 EUR 10000 USD,2,0,2000 USD,1`,
        `${fx.G1.id},Bob's Bikes,8000,8000 USD,1,0,,0`,
        `${fx.G2.id},Carol's Cakes,100,100 USD,1,0,,0`,
      ]);
      const rewardsCsv = await getAs('/v1/reports/rewards', { groupBy: 'account', cursor: first.nextCursor })
        .set('Accept', 'text/csv')
        .expect(400);
      expect(rewardsCsv.body.detail).toContain('sort order');
      await getAs('/v1/reports/revenue', { groupBy: 'program' }).set('Accept', 'text/csv').expect(400);
      await getAs('/v1/reports/revenue', { groupBy: 'program', limit: 1 }).expect(400);
      await getAs('/v1/reports/revenue', { groupBy: 'account', limit: 0 }).expect(400);
      await getAs('/v1/reports/revenue', { groupBy: 'account', cursor: 'garbage' }).expect(400);
    });

    it('ranks client accounts by rewards in a currency', async () => {
      const usd = (await getAs('/v1/reports/rewards', { groupBy: 'account' }).expect(200)).body;
      expect(usd).toEqual({
        groupBy: 'account',
        data: [
          { key: fx.G1.id, label: "Bob's Bikes", totals: [{ amount: 2000, currency: 'USD' }], rewards: 1 },
          {
            key: fx.M2.id,
            label: 'ACME Shop Ltd',
            totals: [
              { amount: 300, currency: 'EUR' },
              { amount: 1000, currency: 'USD' },
            ],
            rewards: 2,
          },
          { key: fx.G2.id, label: "Carol's Cakes", totals: [{ amount: 50, currency: 'USD' }], rewards: 1 },
        ],
        nextCursor: null,
      });
      const eur = (await getAs('/v1/reports/rewards', { groupBy: 'account', currency: 'EUR' }).expect(200)).body;
      expect(eur.data.map((point: { key: string }) => point.key)[0]).toBe(fx.M2.id);
      expect(eur.data).toHaveLength(3);
      await getAs('/v1/reports/rewards', { groupBy: 'account', currency: 'euro' }).expect(400);
      await getAs('/v1/reports/rewards', { groupBy: 'status', currency: 'EUR' }).expect(400);
    });

    it('counts distinct client accounts beside the referrals in the summary', async () => {
      const { body } = await getAs('/v1/summary').expect(200);
      expect(body.referrals).toMatchObject({ total: 5, clientAccounts: 3 });
      const inA = (await getAs('/v1/summary', { programId: fx.PA.id }).expect(200)).body;
      expect(inA.referrals).toMatchObject({ total: 3, clientAccounts: 3 });
    });

    it("never shows another org's identical business", async () => {
      const theirs = (await getAs('/v1/accounts', {}, bystanderOrg).expect(200)).body.data;
      expect(theirs).toHaveLength(3);
      expect(theirs.map((account: { id: string }) => account.id)).not.toContain(fx.M2.id);
      await getAs(`/v1/accounts/${fx.M1.id}`, {}, bystanderOrg).expect(404);
      const report = (await getAs('/v1/reports/revenue', { groupBy: 'account' }, bystanderOrg).expect(200)).body.data;
      expect(report.map((point: { key: string }) => point.key)).not.toContain(fx.M2.id);
    });
  });
});
