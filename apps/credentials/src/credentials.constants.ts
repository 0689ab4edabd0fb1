/** Queue of the sync events the credentials service learns status from. */
export const SYNC_EVENTS_QUEUE = 'credentials.sync-events';

/** PUT attempts allowed per org and window, so stolen tokens cannot be tested through us. */
export const TOKEN_ATTEMPTS_PER_WINDOW = 10;
export const TOKEN_ATTEMPT_WINDOW_SECONDS = 60;

/** Characters of the token kept in clear, as the hint shown on the settings page. */
export const TOKEN_HINT_LENGTH = 4;

/** A requested sync that never reported as started is forgotten after this, so a new request can be made. */
export const PENDING_SYNC_STALE_MS = 5 * 60_000;

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 500;

export const CREDENTIALS_OPENAPI = {
  title: 'Partner Partner credentials service',
  description: "Connect, rotate and disconnect an org's PartnerStack token; the token is never returned.",
  bearerAuth: true,
};
