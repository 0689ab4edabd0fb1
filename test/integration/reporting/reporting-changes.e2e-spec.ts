import { randomUUID } from 'node:crypto';

import request from 'supertest';

import { uniqueName } from '@pp/testing';

import { ReportingHarness, startReporting } from './reporting-app';
import { insert } from './reporting-fixture';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The scripted changes happen at whole hours after `since`, twenty days ago. */
const base = Math.floor((Date.now() - 20 * DAY_MS) / 1000) * 1000;
const at = (hours: number) => new Date(base + hours * HOUR_MS).toISOString();
const SINCE = at(0);

type Row = Record<string, unknown> & { id: string };

function synced(tenant: string, key: string, created: string, extra: Record<string, unknown> = {}): Row {
  return {
    id: randomUUID(),
    tenant_id: tenant,
    external_key: key,
    source_created_at: created,
    last_fetched_at: new Date().toISOString(),
    raw: {},
    ...extra,
  };
}

function history(
  tenant: string,
  entity: Row,
  kind: string,
  field: string,
  from: string | null,
  to: string | null,
  time: string,
): Row {
  return {
    id: randomUUID(),
    tenant_id: tenant,
    entity_kind: kind,
    entity_id: entity.id,
    entity_external_key: entity.external_key,
    field,
    from_value: from,
    to_value: to,
    source_time: time,
    observed_at: time,
  };
}

function lifecycle(tenant: string, extra: Record<string, unknown>): Row {
  return {
    id: randomUUID(),
    tenant_id: tenant,
    currency: 'USD',
    removed: false,
    ...extra,
    basis_at: extra.reference_at,
  };
}

/**
 * Org A's script: what changed after `since` (hours 1 to 11), what changed before it, what is no change (a field's
 * first observation, a missed reward not yet past its threshold) and a change of a record PartnerStack removed.
 */
async function seedChanges(db: ReportingHarness['admin'], tenant: string) {
  const program = synced(tenant, 'co_shopwise', at(-500), { name: 'Shopwise' });
  await insert(db, 'program', [program]);
  const PA = synced(tenant, 'part_a', at(-400), {
    program_id: program.id,
    program_key: 'co_shopwise',
    status: 'active',
  });
  const PA2 = synced(tenant, 'part_a2', at(-400), { status: 'active' });
  await insert(db, 'partnership', [PA, PA2]);
  const referral = (key: string, created: string, partnership: Row, extra: Record<string, unknown>) =>
    synced(tenant, key, created, {
      partnership_id: partnership.id,
      partnership_key: partnership.external_key,
      ...extra,
    });
  const C0 = referral('cus_c0', at(-30), PA, { status: 'converted', has_paid: true });
  const C1 = referral('cus_c1', at(1), PA, { status: 'converted', has_paid: true });
  const C2 = referral('cus_c2', at(3), PA2, { status: 'referred', has_paid: false });
  // Created at the same time as C1: the two are ordered by id.
  const C5 = referral('cus_c5', at(1), PA, { status: 'referred', has_paid: false });
  const C4 = referral('cus_c4', at(-40), PA, { status: 'archived', removed_upstream_at: at(9) });
  await insert(db, 'referral', [C0, C1, C2, C4, C5]);
  const TX1 = synced(tenant, 'tran_1', at(-100), {
    partnership_id: PA.id,
    referral_id: C1.id,
    amount: 10000,
    currency: 'USD',
  });
  await insert(db, 'billing_record', [TX1]);
  const R1 = synced(tenant, 'rwrd_r1', at(-10), {
    partnership_id: PA.id,
    referral_id: C1.id,
    amount: 1500,
    currency: 'USD',
    reward_status: 'declined',
    payment_status: 'available',
    recurrence: 'one_time',
  });
  await insert(db, 'reward', [R1]);
  const PO1 = synced(tenant, 'pay_po1', at(3), {
    partnership_id: PA.id,
    amount: 10000,
    currency: 'USD',
    status: 'successful',
    sent_at: at(3),
  });
  await insert(db, 'payout', [PO1]);
  const D1 = synced(tenant, 'deal_d1', at(-50), { stage: 'Won' });
  await insert(db, 'deal', [D1]);
  const firstObservations = [
    history(tenant, C1, 'referral', 'status', null, 'referred', at(1)),
    history(tenant, R1, 'reward', 'reward_status', null, 'pending', at(2)),
    history(tenant, R1, 'reward', 'payment_status', null, null, at(2)),
  ];
  const beforeSince = history(tenant, C0, 'referral', 'status', 'referred', 'converted', at(-2));
  const sh1 = history(tenant, C1, 'referral', 'status', 'referred', 'converted', at(5));
  const sh2 = history(tenant, R1, 'reward', 'reward_status', 'pending', 'declined', at(6));
  // From null, yet a change: the field's first observation (hour 2) was null.
  const sh3 = history(tenant, R1, 'reward', 'payment_status', null, 'available', at(7));
  const sh4 = history(tenant, C4, 'referral', 'status', 'referred', 'archived', at(8));
  const sh5 = history(tenant, D1, 'deal', 'stage', 'Qualified', 'Won', at(11));
  await insert(db, 'status_history', [...firstObservations, beforeSince, sh1, sh2, sh3, sh4, sh5]);
  const offer = (position: number, key: string, rate: number, from: string, to: string | null): Row => ({
    id: randomUUID(),
    tenant_id: tenant,
    partnership_id: PA.id,
    position,
    terms_key: key,
    offer_key: key,
    kind: 'percentage',
    source_type: 'revenue_share',
    rate,
    currency: 'USD',
    description: `${rate}% of every payment`,
    valid_from: from,
    valid_to: to,
    raw: {},
  });
  const O1 = offer(0, 'offer_1', 20, at(-100), at(4));
  const O2 = offer(1, 'offer_2', 25, at(4), null);
  await insert(db, 'commission_rule', [O1, O2]);
  // Detected when its 30 days (MISSED_REWARD_AFTER_DAYS) passed, at hour 9: it was first seen earlier.
  const M1 = lifecycle(tenant, {
    reason: 'transaction_without_reward',
    reference_at: new Date(Date.parse(at(9)) - 30 * DAY_MS).toISOString(),
    first_seen_at: at(2),
    partnership_id: PA.id,
    referral_id: C1.id,
    billing_record_id: TX1.id,
    amount_at_stake: 2000,
  });
  // Detected long before `since`, resolved after it.
  const M2 = lifecycle(tenant, {
    reason: 'reward_declined',
    reference_at: at(-120),
    first_seen_at: at(-120),
    partnership_id: PA.id,
    referral_id: C1.id,
    reward_id: R1.id,
    amount_at_stake: 1500,
    resolved_at: at(10),
    recovered_amount: 1500,
    recovered_currency: 'USD',
  });
  // Seen, but its reward is not overdue yet: not a missed reward.
  const M3 = lifecycle(tenant, {
    reason: 'transaction_without_reward',
    reference_at: new Date(Date.now() - 5 * DAY_MS).toISOString(),
    first_seen_at: new Date(Date.now() - 5 * DAY_MS).toISOString(),
    partnership_id: PA.id,
    billing_record_id: TX1.id,
    amount_at_stake: 100,
  });
  await insert(db, 'report_missed_reward_lifecycle', [M1, M2, M3]);
  return {
    program,
    PA,
    PA2,
    beforeSince,
    C0,
    C1,
    C5,
    C2,
    C4,
    TX1,
    R1,
    PO1,
    D1,
    sh1,
    sh2,
    sh3,
    sh4,
    sh5,
    O1,
    O2,
    M1,
    M2,
    M3,
  };
}

type Script = Awaited<ReturnType<typeof seedChanges>>;

/** Org A's changes since `since`, newest first, ties by kind (descending): every field worked out by hand. */
function expectedChanges(s: Script) {
  const programA = { id: s.PA.id, externalKey: 'part_a', name: 'Shopwise' };
  const programA2 = { id: s.PA2.id, externalKey: 'part_a2', name: null };
  const change = (kind: string, row: Row, hours: number, entity: object, program: object | null, detail: object) => ({
    id: `${kind}:${row.id}`,
    kind,
    occurredAt: at(hours),
    entity,
    program,
    detail,
  });
  const rewardEntity = { type: 'reward', id: s.R1.id, externalKey: 'rwrd_r1' };
  const offerDetail = (key: string, rate: number, from: string, to: string | null) => ({
    offerKey: key,
    offerKind: 'percentage',
    sourceType: 'revenue_share',
    rate,
    currency: 'USD',
    description: `${rate}% of every payment`,
    validFrom: from,
    validTo: to,
  });
  const changes = {
    sh5: change('status_changed', s.sh5, 11, { type: 'deal', id: s.D1.id, externalKey: 'deal_d1' }, null, {
      field: 'stage',
      from: 'Qualified',
      to: 'Won',
    }),
    M2: change(
      'missed_reward_resolved',
      s.M2,
      10,
      { type: 'missed_reward', id: s.M2.id, externalKey: 'rwrd_r1' },
      programA,
      {
        reason: 'reward_declined',
        record: 'reward',
        amountAtStake: { amount: 1500, currency: 'USD' },
        recovered: { amount: 1500, currency: 'USD' },
      },
    ),
    M1: change(
      'missed_reward_detected',
      s.M1,
      9,
      { type: 'missed_reward', id: s.M1.id, externalKey: 'tran_1' },
      programA,
      {
        reason: 'transaction_without_reward',
        record: 'transaction',
        amountAtStake: { amount: 2000, currency: 'USD' },
        recovered: null,
      },
    ),
    sh4: change('status_changed', s.sh4, 8, { type: 'referral', id: s.C4.id, externalKey: 'cus_c4' }, programA, {
      field: 'status',
      from: 'referred',
      to: 'archived',
    }),
    sh3: change('status_changed', s.sh3, 7, rewardEntity, programA, {
      field: 'payment_status',
      from: null,
      to: 'available',
    }),
    sh2: change('status_changed', s.sh2, 6, rewardEntity, programA, {
      field: 'reward_status',
      from: 'pending',
      to: 'declined',
    }),
    sh1: change('status_changed', s.sh1, 5, { type: 'referral', id: s.C1.id, externalKey: 'cus_c1' }, programA, {
      field: 'status',
      from: 'referred',
      to: 'converted',
    }),
    O2: change(
      'offer_started',
      s.O2,
      4,
      { type: 'offer', id: s.O2.id, externalKey: 'offer_2' },
      programA,
      offerDetail('offer_2', 25, at(4), null),
    ),
    O1: change(
      'offer_ended',
      s.O1,
      4,
      { type: 'offer', id: s.O1.id, externalKey: 'offer_1' },
      programA,
      offerDetail('offer_1', 20, at(-100), at(4)),
    ),
    C2: change('referral_created', s.C2, 3, { type: 'referral', id: s.C2.id, externalKey: 'cus_c2' }, programA2, {
      status: 'referred',
      hasPaid: false,
    }),
    PO1: change('payout_created', s.PO1, 3, { type: 'payout', id: s.PO1.id, externalKey: 'pay_po1' }, programA, {
      amount: { amount: 10000, currency: 'USD' },
      status: 'successful',
      sentAt: at(3),
    }),
    C1: change('referral_created', s.C1, 1, { type: 'referral', id: s.C1.id, externalKey: 'cus_c1' }, programA, {
      status: 'converted',
      hasPaid: true,
    }),
    C5: change('referral_created', s.C5, 1, { type: 'referral', id: s.C5.id, externalKey: 'cus_c5' }, programA, {
      status: 'referred',
      hasPaid: false,
    }),
  };
  // C1 and C5 came at the same time: the greater id first.
  const oldest = [changes.C1, changes.C5].sort((left, right) => right.id.localeCompare(left.id));
  return { ...changes, oldest };
}

describe('GET /v1/changes (a scripted set of changes, worked out by hand)', () => {
  let harness: ReportingHarness;
  let script: Script;
  let expected: ReturnType<typeof expectedChanges>;
  const orgA = uniqueName('org_changes_a');
  const orgB = uniqueName('org_changes_b');
  const B: Record<string, Row> = {};

  type Query = Record<string, string | number | boolean>;
  /** A string query is sent as written (a repeated parameter, for one). */
  const get = (org: string, query: Query | string, accept?: string) => {
    const call = request(harness.app.getHttpServer())
      .get('/v1/changes')
      .query(query)
      .set('Authorization', `Bearer ${harness.tokenFor(org)}`);
    return accept ? call.set('Accept', accept) : call;
  };

  /** Every page from the first, `limit` at a time: the pages' ids, and each page's size. */
  const walk = async (org: string, query: Query, limit: number) => {
    const items: Array<{ id: string }> = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await get(org, { ...query, limit, ...(cursor ? { cursor } : {}) }).expect(200);
      items.push(...(page.body.data as Array<{ id: string }>));
      sizes.push(page.body.data.length);
      cursor = page.body.nextCursor as string | null;
    } while (cursor !== null && sizes.length < 50);
    return { items, sizes };
  };
  const ids = (items: Array<{ id: string }>) => items.map((item) => item.id);

  beforeAll(async () => {
    harness = await startReporting();
    script = await seedChanges(harness.admin, orgA);
    expected = expectedChanges(script);
    B.PB = synced(orgB, 'part_pb', at(-400), { status: 'active' });
    await insert(harness.admin, 'partnership', [B.PB]);
    B.CB = synced(orgB, 'cus_cb', at(2), { partnership_id: B.PB.id, status: 'converted', has_paid: true });
    await insert(harness.admin, 'referral', [B.CB]);
    B.first = history(orgB, B.CB, 'referral', 'status', null, 'referred', at(2));
    B.change = history(orgB, B.CB, 'referral', 'status', 'referred', 'converted', at(3));
    await insert(harness.admin, 'status_history', [B.first, B.change]);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('returns exactly the scripted changes, newest first, page by page', async () => {
    const e = expected;
    const all = [e.sh5, e.M2, e.M1, e.sh3, e.sh2, e.sh1, e.O2, e.O1, e.C2, e.PO1, ...e.oldest];
    const { items, sizes } = await walk(orgA, { since: SINCE }, 4);
    expect(sizes).toEqual([4, 4, 4]);
    expect(items).toEqual(all);
    // One at a time, so that a page ends between every two changes, those of the same time included.
    const single = await walk(orgA, { since: SINCE }, 1);
    expect(single.items).toEqual(all);

    // A page size that ends exactly at the last change: its page says there is none after it.
    const exact = await walk(orgA, { since: SINCE }, 12);
    expect(exact.sizes).toEqual([12]);
    expect(exact.items).toEqual(all);
  });

  it('counts from `since` inclusive, and reads a date as its start (UTC)', async () => {
    const e = expected;
    const fromHour5 = await get(orgA, { since: at(5) }).expect(200);
    expect(ids(fromHour5.body.data)).toEqual(ids([e.sh5, e.M2, e.M1, e.sh3, e.sh2, e.sh1]));
    const offset = await get(orgA, { since: at(5).replace('Z', '+00:00') }).expect(200);
    expect(offset.body.data).toEqual(fromHour5.body.data);
    // From the start of since's day: C0's status change, two hours before `since`, too if it is on that day.
    const day = at(0).slice(0, 10);
    const all = ids([e.sh5, e.M2, e.M1, e.sh3, e.sh2, e.sh1, e.O2, e.O1, e.C2, e.PO1, ...e.oldest]);
    const sameDay = Date.parse(at(-2)) >= Date.parse(`${day}T00:00:00Z`);
    const byDate = await walk(orgA, { since: day }, 100);
    expect(ids(byDate.items)).toEqual(sameDay ? [...all, `status_changed:${script.beforeSince.id}`] : all);
    expect((await get(orgA, { since: new Date(Date.now() + DAY_MS).toISOString() }).expect(200)).body).toEqual({
      data: [],
      nextCursor: null,
    });
  });

  it('filters by kind (repeated or comma-separated), by program, and adds removed records on request', async () => {
    const e = expected;
    const repeated = await get(orgA, `since=${encodeURIComponent(SINCE)}&kind=status_changed&kind=offer_ended`).expect(
      200,
    );
    expect(ids(repeated.body.data)).toEqual(ids([e.sh5, e.sh3, e.sh2, e.sh1, e.O1]));
    const comma = await get(orgA, { since: SINCE, kind: 'status_changed,offer_ended' }).expect(200);
    expect(comma.body.data).toEqual(repeated.body.data);
    const missed = await walk(orgA, { since: SINCE, kind: 'missed_reward_detected,missed_reward_resolved' }, 1);
    expect(missed.items).toEqual([e.M2, e.M1]);

    const second = await get(orgA, { since: SINCE, programId: script.PA2.id }).expect(200);
    expect(second.body.data).toEqual([e.C2]);
    const first = await walk(orgA, { since: SINCE, programId: script.PA.id }, 3);
    expect(ids(first.items)).toEqual(ids([e.M2, e.M1, e.sh3, e.sh2, e.sh1, e.O2, e.O1, e.PO1, ...e.oldest]));

    const removed = await walk(orgA, { since: SINCE, includeRemoved: true }, 5);
    expect(ids(removed.items)).toEqual(
      ids([e.sh5, e.M2, e.M1, e.sh4, e.sh3, e.sh2, e.sh1, e.O2, e.O1, e.C2, e.PO1, ...e.oldest]),
    );
    expect(removed.items[3]).toEqual(e.sh4);
  });

  it('answers the same changes as CSV', async () => {
    const response = await get(orgA, { since: SINCE, kind: 'payout_created,status_changed' }, 'text/csv').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    const lines = response.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'id,kind,occurred_at,entity_type,entity_id,external_key,program_id,program_external_key,program_name,detail',
    );
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(
      ids([expected.sh5, expected.sh3, expected.sh2, expected.sh1, expected.PO1]),
    );
    expect(lines[1]).toBe(
      `${expected.sh5.id},status_changed,${at(11)},deal,${script.D1.id},deal_d1,,,,"{""field"":""stage"",""from"":""Qualified"",""to"":""Won""}"`,
    );
  });

  it("never shows an org another org's changes, whatever program or cursor it sends", async () => {
    const ofB = await get(orgB, { since: SINCE, includeRemoved: true }).expect(200);
    expect(ids(ofB.body.data)).toEqual([`status_changed:${B.change.id}`, `referral_created:${B.CB.id}`]);
    const secretsOfA = Object.values(script)
      .flatMap((row) => [row.id, row.external_key])
      .filter(Boolean);
    for (const accept of ['application/json', 'text/csv']) {
      const text = (await get(orgB, { since: SINCE, includeRemoved: true }, accept).expect(200)).text;
      for (const secret of secretsOfA) expect(text).not.toContain(secret);
    }
    expect((await get(orgB, { since: SINCE, programId: script.PA.id }).expect(200)).body.data).toEqual([]);

    // A cursor from org A's feed only positions org B's own: after hour 5, B's change at hour 3 comes next.
    const pageOfA = await get(orgA, { since: SINCE, limit: 6 }).expect(200);
    expect(pageOfA.body.data.at(-1).occurredAt).toBe(at(5));
    const withCursor = await get(orgB, { since: SINCE, cursor: pageOfA.body.nextCursor }).expect(200);
    expect(ids(withCursor.body.data)).toEqual([`status_changed:${B.change.id}`, `referral_created:${B.CB.id}`]);
  });

  it.each([
    ['no since', {}],
    ['a since that is no date', { since: 'yesterday' }],
    ['a date-time without offset', { since: '2026-11-01T10:00:00' }],
    ['a year out of range', { since: '0000-01-01' }],
    ['an impossible date', { since: '2026-02-30' }],
    ['an unknown kind', { since: SINCE, kind: 'referral_created,nonsense' }],
    ['an empty kind', { since: SINCE, kind: '' }],
    ['a program that is no id', { since: SINCE, programId: 'part_a' }],
    ['from, which does not apply', { since: SINCE, from: '2026-01-01' }],
    ['a sort', { since: SINCE, sort: 'occurredAt' }],
    ['a cursor not issued', { since: SINCE, cursor: 'garbage' }],
    [
      'a cursor with a value PostgreSQL refuses',
      {
        since: SINCE,
        cursor: Buffer.from(
          JSON.stringify({ sort: 'occurredAt', direction: 'desc', value: 'not-a-time', id: 'x' }),
        ).toString('base64url'),
      },
    ],
  ])('answers 400 with a problem for %s', async (_label, query) => {
    const response = await get(orgA, query as Record<string, string>);
    expect({ status: response.status, type: response.headers['content-type'] }).toEqual({
      status: 400,
      type: expect.stringMatching(/^application\/problem\+json/),
    });
  });

  it('keeps its place across changes synced between pages: an older one comes once, a newer one not at all', async () => {
    const e = expected;
    const first = await get(orgA, { since: SINCE, limit: 4 }).expect(200);
    const newer = synced(orgA, 'cus_newer', at(12), { partnership_id: script.PA.id, status: 'referred' });
    const older = synced(orgA, 'cus_older', at(0.5), { partnership_id: script.PA.id, status: 'referred' });
    await insert(harness.admin, 'referral', [newer, older]);
    const rest = await walk(orgA, { since: SINCE, cursor: first.body.nextCursor }, 4);
    expect([...ids(first.body.data), ...ids(rest.items)]).toEqual([
      ...ids([e.sh5, e.M2, e.M1, e.sh3, e.sh2, e.sh1, e.O2, e.O1, e.C2, e.PO1, ...e.oldest]),
      `referral_created:${older.id}`,
    ]);
  });
});
