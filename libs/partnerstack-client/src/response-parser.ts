import type { PartnerStackStream } from '@pp/contracts';

import { PartnerStackInvalidRecordError } from './partnerstack.errors';
import type { Page, PartnerStackRecord } from './partnerstack.types';

/** A body that is not the list envelope (truncated, HTML from a proxy, ...): worth another attempt. */
export class MalformedPageError extends Error {}

/**
 * Reads `{"data": {"items": [...], "has_more": bool}}` tolerantly: unknown fields and enum values are kept
 * as they came, optional fields may be missing. Only a record without a `key` is refused, naming the stream.
 */
export function parsePage(stream: PartnerStackStream, body: unknown): Page {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new MalformedPageError('malformed body (not JSON)');
    }
  }
  const data = (parsed as { data?: unknown } | null)?.data as { items?: unknown; has_more?: unknown } | undefined;
  if (!data || typeof data !== 'object' || !Array.isArray(data.items)) {
    throw new MalformedPageError('malformed body (no data.items list)');
  }
  const items = data.items.map((item: unknown, position) => {
    if (!item || typeof item !== 'object' || typeof (item as { key?: unknown }).key !== 'string') {
      throw new PartnerStackInvalidRecordError(stream, position);
    }
    if ((item as { key: string }).key.length === 0) throw new PartnerStackInvalidRecordError(stream, position);
    return item as PartnerStackRecord;
  });
  return { items, hasMore: data.has_more === true || data.has_more === 'true' };
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The `message` of an error envelope, with the token scrubbed should PartnerStack ever echo it. */
export function upstreamMessage(body: unknown, token: string): string {
  let message = 'no message';
  try {
    const parsed = typeof body === 'string' ? JSON.parse(body) : body;
    if (parsed && typeof (parsed as { message?: unknown }).message === 'string')
      message = (parsed as { message: string }).message;
  } catch {
    message = 'unreadable error body';
  }
  return (token ? message.split(token).join('[REDACTED]') : message).slice(0, 300);
}
