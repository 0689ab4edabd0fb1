import { z } from 'zod';

import { baseEnvSchema, DEVELOPMENT_JWT_SECRET, jwtEnvShape, portSchema, restEnvShape } from '@pp/config';
import { DEFAULT_MISSED_REWARD_CLAIM_DAYS } from '@pp/domain';

const days = (defaultDays: number) => z.coerce.number().int().min(1).max(3650).default(defaultDays);

/** Reporting never touches the broker, so it is given no broker login to lose. */
export const reportingEnvSchema = baseEnvSchema.omit({ AMQP_URL: true }).extend({
  PORT: portSchema(3002),
  ...jwtEnvShape,
  ...restEnvShape,
  MISSED_REWARD_AFTER_DAYS: days(30),
  MISSED_REWARD_STUCK_DAYS: days(60),
  /** Days after its transaction a missed reward can still be claimed (a program's backdating window). */
  MISSED_REWARD_CLAIM_DAYS: days(DEFAULT_MISSED_REWARD_CLAIM_DAYS),
  /** Connections the reporting pool may hold; each CSV export keeps one for its duration. */
  REPORTING_DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  /** A query running longer than this is cancelled, so one heavy request cannot starve the pool. */
  REPORTING_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /** A request waiting longer than this for a free pool connection is answered 503 with Retry-After. */
  REPORTING_DB_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** PostgreSQL ends a session idle inside a transaction this long, so a stalled export cannot pin its snapshot. */
  REPORTING_IDLE_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(60_000),
  /** A CSV export still streaming after this many seconds is cut (connection destroyed, cursor closed). */
  REPORTING_EXPORT_MAX_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  /** CSV exports one org may run at once in one replica; the next is answered 429 with Retry-After. */
  REPORTING_EXPORTS_PER_TENANT: z.coerce.number().int().min(1).max(200).default(2),
  /** Requests one org may make per minute to one replica (a token bucket of this size); beyond it 429. */
  REPORTING_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
});

export const reportingDevelopmentSecrets = { JWT_SECRET: DEVELOPMENT_JWT_SECRET };

export type ReportingEnv = z.infer<typeof reportingEnvSchema>;
