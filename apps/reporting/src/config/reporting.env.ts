import { z } from 'zod';

import { baseEnvSchema, DEVELOPMENT_JWT_SECRET, jwtEnvShape, portSchema, restEnvShape } from '@pp/config';

const days = (defaultDays: number) => z.coerce.number().int().min(1).max(3650).default(defaultDays);

/** Reporting never touches the broker, so it is given no broker login to lose. */
export const reportingEnvSchema = baseEnvSchema.omit({ AMQP_URL: true }).extend({
  PORT: portSchema(3002),
  ...jwtEnvShape,
  ...restEnvShape,
  MISSED_REWARD_AFTER_DAYS: days(30),
  MISSED_REWARD_STUCK_DAYS: days(60),
  /** Connections the reporting pool may hold; each CSV export keeps one for its duration. */
  REPORTING_DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  /** A query running longer than this is cancelled, so one heavy request cannot starve the pool. */
  REPORTING_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
});

export const reportingDevelopmentSecrets = { JWT_SECRET: DEVELOPMENT_JWT_SECRET };

export type ReportingEnv = z.infer<typeof reportingEnvSchema>;
