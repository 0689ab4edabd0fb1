import { randomUUID } from 'node:crypto';

import { MAX_RAW_PAGE_RECORDS, type PartnerStackStream } from '@pp/contracts';

export const TENANTS = ['org_bench_a', 'org_bench_b'];
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

export interface Envelope {
  messageId: string;
  routingKey: string;
  schemaVersion: 2;
  tenantId: string;
  correlationId: string;
  occurredAt: string;
  idempotencyKey: string;
  payload: Record<string, unknown>;
}

interface GeneratedRecord {
  tenantId: string;
  stream: PartnerStackStream;
  fetchedAt: string;
  record: Record<string, unknown>;
}

/** The records as raw page events, as a sync publishes them: up to a page of one tenant and stream each. */
export function* rawEvents(count: number): Generator<Envelope> {
  const pages = new Map<string, GeneratedRecord[]>();
  function* flush(page: GeneratedRecord[]): Generator<Envelope> {
    const { tenantId, stream } = page[0];
    yield {
      messageId: randomUUID(),
      routingKey: `partnerstack.raw.${stream}`,
      schemaVersion: 2,
      tenantId,
      correlationId: `bench-${tenantId}`,
      occurredAt: new Date().toISOString(),
      idempotencyKey: randomUUID(),
      payload: {
        connectionId: `conn-${tenantId}`,
        syncRunId: 'bench-run',
        stream,
        fetchedAt: page.at(-1)!.fetchedAt,
        records: page.map(({ record }) => ({ externalKey: record.key, record })),
      },
    };
  }
  for (const generated of rawRecords(count)) {
    const group = `${generated.tenantId}/${generated.stream}/${generated.fetchedAt}`;
    const page = pages.get(group) ?? pages.set(group, []).get(group)!;
    page.push(generated);
    if (page.length === MAX_RAW_PAGE_RECORDS) {
      yield* flush(page);
      pages.delete(group);
    }
  }
  for (const page of pages.values()) yield* flush(page);
}

/** A realistic mix: rewards and transactions dominate; each reward seen in two versions (a status change). */
function* rawRecords(count: number): Generator<GeneratedRecord> {
  const fetched = (day: number) => new Date(T0 + day * DAY + 3_600_000).toISOString();
  const streams: [PartnerStackStream, number][] = [
    ['rewards', 0.4],
    ['transactions', 0.3],
    ['customers', 0.2],
    ['payouts', 0.04],
    ['actions', 0.04],
    ['partnerships', 0.02],
  ];
  for (let i = 0; i < count; i++) {
    const tenantId = TENANTS[i % TENANTS.length];
    const n = Math.floor(i / TENANTS.length);
    let pick = (n * 7919) % 1000;
    let stream: PartnerStackStream = 'rewards';
    for (const [name, share] of streams) {
      if (pick < share * 1000) {
        stream = name;
        break;
      }
      pick -= share * 1000;
    }
    const id = n % 50_000;
    const version = Math.floor(n / 50_000);
    const updated = T0 + (version + 1) * DAY;
    const customerKey = `cus_${id % 20_000}`;
    let record: Record<string, unknown>;
    switch (stream) {
      case 'rewards':
        record = {
          key: `rwrd_${id}`,
          created_at: T0,
          updated_at: updated,
          amount: 500 + (id % 3000),
          currency: id % 17 === 0 ? 'JPY' : 'USD',
          description: '20% of every payment for 12 months',
          reward_status: ['pending', 'approved', 'paid', 'declined'][version % 4],
          payment_status: [null, 'available', 'withdrawn', null][version % 4],
          withdrawn: false,
          partnership_key: `part_${id % 20}`,
          company: { id: id % 20, key: `co_${id % 20}`, name: `Vendor ${id % 20}` },
          customer: { key: customerKey, email: `owner${id % 20_000}@shop.example`, name: `Shop ${id}` },
          source: { type: 'transaction', key: `tran_${id}` },
          payout_id: version > 1 ? 1000 + (id % 100) : null,
        };
        break;
      case 'transactions':
        record = {
          key: `tran_${id}`,
          created_at: T0,
          updated_at: updated,
          amount: 4900 + (id % 100),
          amount_usd: 4900 + (id % 100),
          currency: 'USD',
          archived: version % 5 === 4,
          category_key: 'subscription',
          product_key: 'pro_monthly',
          partnership_key: `part_${id % 20}`,
          company: { id: id % 20, key: `co_${id % 20}`, name: `Vendor ${id % 20}` },
          customer: { key: customerKey, sub_ids: ['spring'] },
        };
        break;
      case 'customers':
        record = {
          key: `cus_${id}`,
          created_at: T0,
          updated_at: updated,
          customer_key: `shop_${id}`,
          email: `owner${id}@shop.example`,
          name: `Shop ${id} ÄÖÜ`,
          archived: false,
          has_paid: version > 0,
          country_iso: 'DE',
          partnership_key: `part_${id % 20}`,
          sub_ids: ['spring'],
          company: { id: id % 20, key: `co_${id % 20}`, name: `Vendor ${id % 20}` },
        };
        break;
      case 'payouts':
        record = {
          key: `pay_${id}`,
          id: 1000 + (id % 100),
          created_at: T0,
          updated_at: updated,
          amount: 12_500,
          currency: 'USD',
          provider: { type: 'paypal' },
          status: ['pending', 'successful'][version % 2],
        };
        break;
      case 'actions':
        record = {
          key: `act_${id}`,
          created_at: T0,
          updated_at: updated,
          archived: false,
          type: 'store_connected',
          value: 1,
          partnership_key: `part_${id % 20}`,
          company: { key: `co_${id % 20}` },
          customer: { key: customerKey },
        };
        break;
      default:
        record = {
          key: `part_${id % 20}`,
          created_at: T0,
          updated_at: updated + id,
          status: 'active',
          company: { id: id % 20, key: `co_${id % 20}`, name: `Vendor ${id % 20}` },
          group: { key: 'grup_1', name: 'Agency Partners' },
          link: { url: `https://vendor${id % 20}.example/agency42` },
          offers: [{ type: 'revenue_share', base_rate: 20, currency: 'USD', description: '20%' }],
        };
    }
    yield { tenantId, stream, fetchedAt: fetched(version + 1), record };
  }
}
