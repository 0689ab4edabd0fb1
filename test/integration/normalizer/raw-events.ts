import { randomUUID } from 'node:crypto';

import type { PartnerStackStream } from '@pp/contracts';
import type { AnyMessage } from '@pp/messaging';

export interface RawEvent {
  stream: PartnerStackStream;
  key: string;
  /** A record version, or null for a removal. */
  record: Record<string, unknown> | null;
  /** fetchedAt, or removedAt for a removal. */
  at: string;
}

/** The envelope the sync service would publish for a raw event: a page of that one record, or a removal. */
export function toMessage(tenantId: string, event: RawEvent, correlationId = 'corr-test'): AnyMessage {
  const routingKey = event.record ? `partnerstack.raw.${event.stream}` : `partnerstack.raw.${event.stream}.removed`;
  const payload = event.record
    ? {
        connectionId: 'conn-test',
        syncRunId: 'run-test',
        stream: event.stream,
        fetchedAt: event.at,
        records: [{ externalKey: event.key, record: event.record }],
      }
    : {
        connectionId: 'conn-test',
        syncRunId: 'run-test',
        stream: event.stream,
        externalKey: event.key,
        removedAt: event.at,
      };
  return {
    messageId: randomUUID(),
    routingKey,
    schemaVersion: event.record ? 2 : 1,
    tenantId,
    correlationId,
    occurredAt: new Date().toISOString(),
    idempotencyKey: randomUUID(),
    payload,
  } as AnyMessage;
}

const DAY = 86_400_000;
export const BASE_TIME = Date.UTC(2024, 5, 1);

export function partnership(key: string, company: string, version: number, status: string, rate: number) {
  return {
    key,
    created_at: BASE_TIME,
    updated_at: BASE_TIME + version * DAY,
    status,
    is_archived: status === 'archived',
    company: { id: company.length, key: company, name: `Company ${company}` },
    group: { key: `grup_${version}`, name: `Tier ${version}` },
    link: { url: `https://example.test/${key}` },
    offers: [{ type: 'revenue_share', base_rate: rate, currency: 'USD', description: `${rate}%` }],
  };
}

export function customer(
  key: string,
  version: number,
  opts: {
    email: string | null;
    name: string;
    hasPaid: boolean;
    archived?: boolean;
    partnershipKey: string;
    company: string;
  },
) {
  return {
    key,
    created_at: BASE_TIME,
    updated_at: BASE_TIME + version * DAY,
    email: opts.email,
    name: opts.name,
    has_paid: opts.hasPaid,
    archived: opts.archived ?? false,
    partnership_key: opts.partnershipKey,
    company: { key: opts.company },
    sub_ids: [`sub-${version}`],
  };
}

export function transaction(
  key: string,
  version: number,
  customerKey: string,
  amount: number,
  currency: string,
  refunded: boolean,
) {
  return {
    key,
    created_at: BASE_TIME,
    updated_at: BASE_TIME + version * DAY,
    amount,
    amount_usd: currency === 'USD' ? amount : Math.round(amount / 1.5),
    currency,
    archived: refunded,
    customer: { key: customerKey },
  };
}

export function reward(
  key: string,
  version: number,
  opts: {
    customerKey: string;
    transactionKey: string | null;
    payoutId: number | null;
    status: string;
    paymentStatus: string | null;
    amount: number;
    partnershipKey: string;
    company: string;
  },
) {
  return {
    key,
    created_at: BASE_TIME,
    updated_at: BASE_TIME + version * DAY,
    amount: opts.amount,
    currency: 'USD',
    reward_status: opts.status,
    payment_status: opts.paymentStatus,
    partnership_key: opts.partnershipKey,
    company: { key: opts.company },
    customer: { key: opts.customerKey },
    source: opts.transactionKey
      ? { type: 'transaction', key: opts.transactionKey }
      : { type: 'signup', key: opts.customerKey },
    payout_id: opts.payoutId,
  };
}

export function payout(key: string, id: number, version: number, status: string) {
  return {
    key,
    id,
    created_at: BASE_TIME,
    updated_at: BASE_TIME + version * DAY,
    amount: 12_500,
    currency: 'USD',
    status,
  };
}

export function deal(key: string, version: number, accountName: string, stage: string) {
  return {
    key,
    created_at: BASE_TIME,
    updated_at: BASE_TIME + version * DAY,
    account_name: accountName,
    amount: 10_000,
    stage,
  };
}

export function fetchedAt(version: number, attempt: number): string {
  return new Date(BASE_TIME + version * DAY + 3_600_000 + attempt * 60_000).toISOString();
}
