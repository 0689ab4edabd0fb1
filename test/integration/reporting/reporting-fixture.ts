import { randomUUID } from 'node:crypto';

import { Client } from 'pg';

const DAY_MS = 86_400_000;
export const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();

type Row = Record<string, unknown>;

/** Inserts rows as the postgres user, the way the normalizer would have written them. */
export async function insert(db: Client, table: string, rows: Row[]): Promise<void> {
  for (const row of rows) {
    const columns = Object.keys(row);
    const values = columns.map((column) => {
      const value = row[column];
      const json =
        value !== null &&
        typeof value === 'object' &&
        !(value instanceof Date) &&
        (!Array.isArray(value) || value.some((item) => typeof item === 'object'));
      return json ? JSON.stringify(value) : value;
    });
    await db.query(
      `insert into domain.${table} (${columns.join(', ')}) values (${columns.map((_, index) => `$${index + 1}`).join(', ')})`,
      values,
    );
  }
}

/** A synced record's row as the normalizer writes it; `id` and `external_key` are the ones a test refers back to. */
export type SeededRow = Row & { id: string; external_key: string };

/** A synced record, fetched at a fixed time unless `extra` says otherwise. */
export function syncedRow(tenant: string, key: string, created: string, extra: Row = {}): SeededRow {
  return {
    id: randomUUID(),
    tenant_id: tenant,
    external_key: key,
    source_created_at: created,
    last_fetched_at: '2026-05-01T00:00:00Z',
    raw: {},
    ...extra,
  };
}

function synced(tenant: string, key: string, created: string, extra: Row, removed = false): Row {
  return syncedRow(tenant, key, created, {
    last_fetched_at: new Date().toISOString(),
    removed_upstream_at: removed ? '2026-11-01T00:00:00Z' : null,
    ...extra,
  });
}

/** One observed change of a reward's field, as status history records it; a field's first observation is from null. */
export function rewardChange(
  tenant: string,
  reward: SeededRow,
  field: string,
  from: string | null,
  to: string | null,
  time: string,
): Row {
  return {
    id: randomUUID(),
    tenant_id: tenant,
    entity_kind: 'reward',
    entity_id: reward.id,
    entity_external_key: reward.external_key,
    field,
    from_value: from,
    to_value: to,
    source_time: time,
    observed_at: time,
  };
}

/** The vendor program Shopwise with two partnerships of the org: PA in it, PB without a vendor program. */
export async function seedTwoPartnerships(db: Client, tenant: string) {
  const program = syncedRow(tenant, 'co_shopwise', '2025-01-01T00:00:00Z', { name: 'Shopwise' });
  await insert(db, 'program', [program]);
  const PA = syncedRow(tenant, 'part_a', '2025-02-01T00:00:00Z', {
    program_id: program.id,
    program_key: 'co_shopwise',
    status: 'active',
  });
  const PB = syncedRow(tenant, 'part_b', '2025-02-01T00:00:00Z', { status: 'active' });
  await insert(db, 'partnership', [PA, PB]);
  return { program, PA, PB };
}

/**
 * Org A's records (see the expectations in reporting-api.e2e-spec.ts, worked out by hand from this list):
 * programs P1 (20 % revenue share), P2 (flat), P3 (removed upstream); customers C1, C2 (paying, only a refunded
 * transaction, no reward), C3, C4 (removed); transactions T1..T7; rewards R1..R6; payouts, leads, deals, sync runs.
 * Their dates spread over January to March 2026, early and late in each month (and a few over the last days), so
 * that a range can cut months at both ends around a whole one: the monthly rollups and the daily edges both count.
 */
export async function seedOrgA(db: Client, tenant: string) {
  const g1 = synced(tenant, 'co_shopwise', '2025-06-01T00:00:00Z', { name: 'Shopwise' });
  const g2 = synced(tenant, 'co_fastmail', '2025-06-01T00:00:00Z', { name: 'Fastmail' });
  await insert(db, 'program', [g1, g2]);
  const P1 = synced(tenant, 'part_p1', '2025-07-01T00:00:00Z', {
    program_key: 'co_shopwise',
    program_id: g1.id,
    status: 'active',
    group_key: 'grup_agency',
    group_name: 'Agency Partners',
    group_slug: 'agencypartners',
    referral_link_url: 'https://shopwise.partnerlinks.io/agency42',
  });
  const P2 = synced(tenant, 'part_p2', '2025-08-01T00:00:00Z', {
    program_key: 'co_fastmail',
    program_id: g2.id,
    status: 'active',
  });
  const P3 = synced(tenant, 'part_p3', '2025-09-01T00:00:00Z', { status: 'archived' }, true);
  await insert(db, 'partnership', [P1, P2, P3]);
  await insert(db, 'commission_rule', [
    {
      id: randomUUID(),
      tenant_id: tenant,
      partnership_id: P1.id,
      position: 0,
      kind: 'percentage',
      rate: 20,
      currency: 'USD',
      description: '20% of every payment',
      raw: {},
    },
    {
      id: randomUUID(),
      tenant_id: tenant,
      partnership_id: P2.id,
      position: 0,
      kind: 'flat',
      rate: 5000,
      currency: 'USD',
      description: '$50 per customer',
      raw: {},
    },
  ]);
  const account = synced(tenant, 'shop_1', '2026-01-01T00:00:00Z', { name: 'Acme Store', country_iso: 'US' });
  await insert(db, 'account', [account]);
  const contact = synced(tenant, 'owner@acme.example', '2026-01-01T00:00:00Z', {
    email: 'owner@acme.example',
    name: 'Ada Owner',
  });
  await insert(db, 'contact', [contact]);
  const customer = (key: string, created: string, partnership: Row, extra: Row, removed = false) =>
    synced(
      tenant,
      key,
      created,
      { partnership_key: partnership.external_key, partnership_id: partnership.id, ...extra },
      removed,
    );
  const C1 = customer('cus_c1', '2026-01-02T00:00:00Z', P1, {
    status: 'converted',
    has_paid: true,
    account_id: account.id,
    contact_id: contact.id,
    contact_email: 'owner@acme.example',
  });
  const C2 = customer('cus_c2', '2026-01-05T00:00:00Z', P1, { status: 'converted', has_paid: true });
  const C3 = customer('cus_c3', '2026-01-08T00:00:00Z', P2, { status: 'referred', has_paid: false });
  const C4 = customer('cus_c4', '2026-01-09T00:00:00Z', P1, { status: 'converted', has_paid: true }, true);
  await insert(db, 'referral', [C1, C2, C3, C4]);
  await insert(db, 'status_history', [
    {
      tenant_id: tenant,
      entity_kind: 'referral',
      entity_id: C1.id,
      entity_external_key: 'cus_c1',
      field: 'status',
      from_value: 'referred',
      to_value: 'converted',
      source_time: '2026-01-10T00:00:00Z',
      observed_at: '2026-01-10T01:00:00Z',
    },
  ]);
  const tx = (
    key: string,
    created: string,
    who: Row,
    partnership: Row,
    amount: number,
    currency: string,
    usd: number | null,
    extra: Row = {},
    removed = false,
  ) =>
    synced(
      tenant,
      key,
      created,
      {
        referral_id: who.id,
        customer_key: who.external_key,
        partnership_id: partnership.id,
        partnership_key: partnership.external_key,
        amount,
        currency,
        amount_usd: usd,
        ...extra,
      },
      removed,
    );
  const T1 = tx('tran_t1', '2026-01-10T00:00:00Z', C1, P1, 10000, 'USD', 10000);
  const T2 = tx('tran_t2', '2026-01-20T00:00:00Z', C1, P1, 5000, 'EUR', 5500);
  const T3 = tx('tran_t3', '2026-02-05T00:00:00Z', C1, P1, 20000, 'USD', 20000, { product_key: 'pro_yearly' });
  const T4 = tx('tran_t4', '2026-02-10T00:00:00Z', C2, P1, 3000, 'USD', 3000, { refunded: true });
  const T5 = tx('tran_t5', '2026-03-01T00:00:00Z', C3, P2, 7000, 'USD', null);
  const T6 = tx('tran_t6', daysAgo(5), C1, P1, 1000, 'USD', 1000);
  const T7 = tx('tran_t7', '2026-03-15T00:00:00Z', C4, P1, 9999, 'USD', 9999, {}, true);
  await insert(db, 'billing_record', [T1, T2, T3, T4, T5, T6, T7]);
  const reward = (
    key: string,
    created: string,
    who: Row,
    partnership: Row,
    amount: number,
    currency: string,
    extra: Row,
  ) =>
    synced(tenant, key, created, {
      referral_id: who.id,
      customer_key: who.external_key,
      partnership_id: partnership.id,
      partnership_key: partnership.external_key,
      amount,
      currency,
      recurrence: 'recurring',
      ...extra,
    });
  const R1 = reward('rwrd_r1', '2026-01-11T00:00:00Z', C1, P1, 2000, 'USD', {
    reward_status: 'approved',
    payment_status: 'available',
    billing_record_id: T1.id,
    billing_record_key: 'tran_t1',
    source_type: 'transaction',
    source_key: 'tran_t1',
  });
  const R2 = reward('rwrd_r2', '2026-01-21T00:00:00Z', C1, P1, 800, 'EUR', {
    reward_status: 'approved',
    payment_status: 'available',
    billing_record_id: T2.id,
    billing_record_key: 'tran_t2',
    source_type: 'transaction',
    source_key: 'tran_t2',
  });
  const R3 = reward('rwrd_r3', '2026-02-01T00:00:00Z', C1, P1, 1500, 'USD', {
    reward_status: 'declined',
    decline_reason: 'Duplicate customer',
    recurrence: 'one_time',
  });
  const R4 = reward('rwrd_r4', '2026-02-15T00:00:00Z', C3, P2, 5000, 'USD', {
    reward_status: 'pending',
    recurrence: 'one_time',
  });
  const R5 = reward('rwrd_r5', daysAgo(10), C3, P2, 2500, 'USD', { reward_status: 'hold', recurrence: 'one_time' });
  const R6 = reward('rwrd_r6', '2026-03-05T00:00:00Z', C1, P1, 700, 'USD', {
    reward_status: 'approved',
    payment_status: 'failed',
    recurrence: 'one_time',
  });
  await insert(db, 'reward', [R1, R2, R3, R4, R5, R6]);
  const PO1 = synced(tenant, 'pay_po1', '2026-02-13T00:00:00Z', {
    amount: 10000,
    currency: 'USD',
    status: 'successful',
    provider_type: 'paypal',
  });
  const PO2 = synced(tenant, 'pay_po2', '2026-03-13T00:00:00Z', { amount: 2500, currency: 'EUR', status: 'failed' });
  await insert(db, 'payout', [PO1, PO2]);
  const L1 = synced(tenant, 'lead_l1', '2026-02-01T00:00:00Z', {
    status: 'open',
    amount: 50000,
    currency: 'USD',
    account_name: 'Globex',
  });
  const L2 = synced(tenant, 'lead_l2', '2026-02-02T00:00:00Z', { status: 'closed won', account_name: 'Initech' });
  await insert(db, 'lead', [L1, L2]);
  const D1 = synced(tenant, 'deal_d1', '2026-02-03T00:00:00Z', {
    stage: 'Qualified',
    amount: 150000,
    currency: 'USD',
    account_name: 'Acme Store',
    close_date: '2026-07-31',
  });
  await insert(db, 'deal', [D1]);
  const S1 = {
    id: randomUUID(),
    tenant_id: tenant,
    external_key: 'run_s1',
    connection_id: 'conn_a',
    mode: 'full',
    status: 'succeeded',
    started_at: '2026-11-20T10:00:00Z',
    finished_at: '2026-11-20T10:05:00Z',
    records_fetched: 120,
    records_emitted: 118,
    streams: [{ stream: 'rewards', status: 'succeeded', fetched: 6 }],
  };
  const S2 = {
    id: randomUUID(),
    tenant_id: tenant,
    external_key: 'run_s2',
    connection_id: 'conn_a',
    mode: 'incremental',
    status: 'failed',
    started_at: '2026-11-21T10:00:00Z',
    error: 'PartnerStack answered 503',
  };
  await insert(db, 'sync_run', [S1, S2]);
  await db.query('select domain.refresh_tenant_aggregates($1)', [tenant]);
  return {
    g1,
    g2,
    P1,
    P2,
    P3,
    account,
    contact,
    C1,
    C2,
    C3,
    C4,
    T1,
    T2,
    T3,
    T4,
    T5,
    T6,
    T7,
    R1,
    R2,
    R3,
    R4,
    R5,
    R6,
    PO1,
    PO2,
    L1,
    L2,
    D1,
    S1,
    S2,
  } as unknown as Record<string, Row & { id: string; external_key: string }>;
}

/** Org B has data of its own (so an empty answer is not the only way to pass isolation). */
export async function seedOrgB(db: Client, tenant: string) {
  const PB = synced(tenant, 'part_pb', '2025-07-01T00:00:00Z', { status: 'active' });
  await insert(db, 'partnership', [PB]);
  const CB = synced(tenant, 'cus_cb', '2026-01-03T00:00:00Z', {
    partnership_id: PB.id,
    status: 'converted',
    has_paid: true,
  });
  await insert(db, 'referral', [CB]);
  const TB = synced(tenant, 'tran_tb', '2026-01-04T00:00:00Z', {
    partnership_id: PB.id,
    referral_id: CB.id,
    amount: 1234,
    currency: 'USD',
    amount_usd: 1234,
  });
  await insert(db, 'billing_record', [TB]);
  const RB = synced(tenant, 'rwrd_rb', '2026-01-05T00:00:00Z', {
    partnership_id: PB.id,
    referral_id: CB.id,
    amount: 100,
    currency: 'USD',
    reward_status: 'pending',
    recurrence: 'one_time',
  });
  await insert(db, 'reward', [RB]);
  await db.query('select domain.refresh_tenant_aggregates($1)', [tenant]);
  return { PB, CB, TB, RB } as unknown as Record<string, Row & { id: string; external_key: string }>;
}
