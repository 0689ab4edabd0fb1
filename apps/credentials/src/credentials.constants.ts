import { startEventsTransport } from '@pp/messaging';
import type { ServiceOptions } from '@pp/observability';

/** PUT attempts allowed per org and window, so stolen tokens cannot be tested through us. */
export const TOKEN_ATTEMPTS_PER_WINDOW = 10;
export const TOKEN_ATTEMPT_WINDOW_SECONDS = 60;

/** Characters of the token kept in clear, as the hint shown on the settings page. */
export const TOKEN_HINT_LENGTH = 4;

/** A requested sync that never reported as started is forgotten after this, so a new request can be made. */
export const PENDING_SYNC_STALE_MS = 5 * 60_000;

/** At most one full reconcile per org in this many seconds: a full read costs the agency's API budget. */
export const FULL_SYNC_COOLDOWN_SECONDS = 60 * 60;

/** Route prefix of postback URLs; the path segment after it is the secret, so logs never show it. */
export const POSTBACK_PATH_PREFIX = '/v1/postbacks/partnerstack/';
/**
 * Request URLs as logged: the postback secret replaced, so logs never hold a working postback URL (Express matches
 * paths case-insensitively, so the match is too).
 */
export function redactPostbackSecret(url: string): string {
  return url.replace(/\/postbacks\/partnerstack\/[^?#]*/i, '/postbacks/partnerstack/[REDACTED]');
}
/** Bytes of randomness in a postback secret (base64url in the URL). */
export const POSTBACK_SECRET_BYTES = 32;
/** Postbacks carry nothing we use; a larger body is refused before anything looks at it. */
export const POSTBACK_MAX_BODY_BYTES = 16 * 1024;
/** Calls allowed per postback URL and minute; PartnerStack sends one per action or reward. */
export const POSTBACK_CALLS_PER_MINUTE = 120;
/** How often due trailing postback syncs are published (every replica ticks; row locks share the work). */
export const POSTBACK_DEBOUNCE_TICK_MS = 5_000;
/** How many due connections one tick publishes for at most. */
export const POSTBACK_DEBOUNCE_BATCH = 100;
/** Requests and run outcomes kept (for merges that arrive late: far longer than any retry of a sync event). */
export const SYNC_REQUEST_RETENTION_DAYS = 7;

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 500;

export const CREDENTIALS_OPENAPI = {
  title: 'Partner Partner credentials service',
  description: "Connect, rotate and disconnect an org's PartnerStack token; the token is never returned.",
  bearerAuth: true,
};

/** How main.ts and in-process test apps start the service: postbacks take whatever body PartnerStack sends. */
export const CREDENTIALS_SERVICE_OPTIONS: ServiceOptions = {
  openApi: CREDENTIALS_OPENAPI,
  anyMediaTypePrefixes: ['/v1/postbacks/'],
  transports: [startEventsTransport],
};
