import type { PartnerStackStream } from '@pp/contracts';

/**
 * Every error the client throws. None carries the token: no request config, no headers, no upstream
 * error object (axios errors hold the request headers), and messages are built from our own words.
 */
export abstract class PartnerStackError extends Error {
  constructor(
    message: string,
    public readonly stream: PartnerStackStream | null,
    public readonly status: number | null,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 401: the token is wrong, revoked or expired. Never retried. */
export class PartnerStackInvalidTokenError extends PartnerStackError {
  constructor(stream: PartnerStackStream | null) {
    super('PartnerStack rejected the API token (401)', stream, 401);
  }
}

/** 403: the token is valid but this stream is not available to the agency. Never retried. */
export class PartnerStackForbiddenError extends PartnerStackError {
  constructor(stream: PartnerStackStream | null) {
    super(`PartnerStack refused access to ${stream ? `stream '${stream}'` : 'the request'} (403)`, stream, 403);
  }
}

export class PartnerStackNotFoundError extends PartnerStackError {
  constructor(stream: PartnerStackStream | null) {
    super(`PartnerStack has no such resource${stream ? ` for stream '${stream}'` : ''} (404)`, stream, 404);
  }
}

/** 400: a parameter PartnerStack did not accept (e.g. an unknown cursor); retrying the same request cannot help. */
export class PartnerStackBadRequestError extends PartnerStackError {
  constructor(
    stream: PartnerStackStream | null,
    public readonly upstreamMessage: string,
  ) {
    super(
      `PartnerStack rejected the request${stream ? ` for stream '${stream}'` : ''} (400): ${upstreamMessage}`,
      stream,
      400,
    );
  }
}

/** 429 on every attempt; `retryAfterMs` is the last wait PartnerStack asked for (or our own backoff). */
export class PartnerStackRateLimitedError extends PartnerStackError {
  constructor(
    stream: PartnerStackStream | null,
    public readonly retryAfterMs: number,
    public readonly attempts: number,
  ) {
    super(
      `PartnerStack kept rate-limiting${stream ? ` stream '${stream}'` : ''} after ${attempts} attempts (429)`,
      stream,
      429,
    );
  }
}

/** 5xx, timeouts, connection resets and malformed bodies that outlasted every retry, or an unexpected status. */
export class PartnerStackUpstreamError extends PartnerStackError {
  constructor(
    stream: PartnerStackStream | null,
    status: number | null,
    public readonly reason: string,
    public readonly attempts: number,
  ) {
    super(
      `PartnerStack failed${stream ? ` for stream '${stream}'` : ''} after ${attempts} attempt(s): ${reason}`,
      stream,
      status,
    );
  }
}

/** A page that parsed but holds a record we cannot identify (no `key`); retrying returns the same page. */
export class PartnerStackInvalidRecordError extends PartnerStackError {
  constructor(
    stream: PartnerStackStream,
    public readonly position: number,
  ) {
    super(`PartnerStack returned a '${stream}' record without a key (item ${position} of the page)`, stream, 200);
  }
}
