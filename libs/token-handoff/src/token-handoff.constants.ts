/** Queue the credentials service consumes hand-off requests from; nothing else may consume it. */
export const TOKEN_REQUEST_QUEUE = 'credentials.token-requests';

/** RabbitMQ's direct reply-to pseudo-queue: replies go straight to the requesting channel and are never stored. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

export const PROTOCOL_VERSION = 1;

/** How long a client waits for an answer; also the request's broker TTL, so stale requests are never answered. */
export const DEFAULT_FETCH_TIMEOUT_MS = 5_000;

/** A request older (or further in the future, clock skew) than this is refused as a possible replay. */
export const REQUEST_MAX_AGE_MS = 30_000;

/** A sealed reply the client opens later than this after it was sealed is refused. */
export const REPLY_TTL_MS = 30_000;
