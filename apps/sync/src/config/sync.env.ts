import { z } from 'zod';

import { baseEnvSchema, portSchema } from '@pp/config';
import { DEFAULT_PARTNERSTACK_API_URL, DEFAULT_REQUESTS_PER_MINUTE } from '@pp/partnerstack-client';
import { DEVELOPMENT_TOKEN_HANDOFF_KEY, tokenHandoffKeySchema } from '@pp/token-handoff';

import {
  DEFAULT_GLOBAL_REQUESTS_PER_MINUTE,
  DEFAULT_OVERLAP_MINUTES,
  DEFAULT_PROGRESS_INTERVAL_SECONDS,
  DEFAULT_WARM_INTERVAL_MINUTES,
  DEFAULT_WARM_WINDOW_DAYS,
} from '../sync.constants';

export const SYNC_ROLES = ['scheduler', 'worker', 'all'] as const;
export type SyncRole = (typeof SYNC_ROLES)[number];

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const syncRoleSchema = z.enum(SYNC_ROLES).default('all');

export const syncEnvSchema = baseEnvSchema.extend({
  PORT: portSchema(3003),
  /** `scheduler` enqueues jobs, `worker` runs them, `all` (development) does both. */
  SYNC_ROLE: syncRoleSchema,
  PARTNERSTACK_API_URL: z.string().url().default(DEFAULT_PARTNERSTACK_API_URL),
  /** Shared by every worker for one token (paced through PostgreSQL). */
  PARTNERSTACK_REQUESTS_PER_MINUTE: positiveInt(DEFAULT_REQUESTS_PER_MINUTE),
  /** Shared by every worker and every token of the deployment, split fairly between the tokens requesting. */
  PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE: positiveInt(DEFAULT_GLOBAL_REQUESTS_PER_MINUTE),
  PARTNERSTACK_MAX_ATTEMPTS: positiveInt(5),
  PARTNERSTACK_TIMEOUT_MS: positiveInt(30_000),
  TOKEN_HANDOFF_KEY: tokenHandoffKeySchema,
  SYNC_INTERVAL_MINUTES: z.coerce.number().positive().default(15),
  SYNC_RECONCILE_INTERVAL_HOURS: z.coerce.number().positive().default(24),
  SYNC_OVERLAP_MINUTES: z.coerce.number().nonnegative().default(DEFAULT_OVERLAP_MINUTES),
  /** Warm tier: records created this many days below the watermark are re-read every SYNC_WARM_INTERVAL_MINUTES. */
  SYNC_WARM_WINDOW_DAYS: z.coerce.number().nonnegative().default(DEFAULT_WARM_WINDOW_DAYS),
  SYNC_WARM_INTERVAL_MINUTES: z.coerce.number().positive().default(DEFAULT_WARM_INTERVAL_MINUTES),
  SYNC_PROGRESS_INTERVAL_SECONDS: z.coerce.number().positive().default(DEFAULT_PROGRESS_INTERVAL_SECONDS),
  SYNC_LEASE_TTL_SECONDS: z.coerce.number().positive().default(60),
  SYNC_SCHEDULER_TICK_SECONDS: z.coerce.number().positive().default(30),
  /** Attempts of one stream within a job (each resuming from its checkpoint) before the stream counts as failed. */
  SYNC_JOB_MAX_ATTEMPTS: positiveInt(4),
  SYNC_JOB_RETRY_BASE_SECONDS: z.coerce.number().nonnegative().default(5),
});

export type SyncEnv = z.infer<typeof syncEnvSchema>;

export const syncDevelopmentSecrets = { TOKEN_HANDOFF_KEY: DEVELOPMENT_TOKEN_HANDOFF_KEY };

/** The role decides which modules the process loads, so it is read before the app is built. */
export function resolveSyncRole(env: Record<string, string | undefined>): SyncRole {
  const parsed = syncRoleSchema.safeParse(env.SYNC_ROLE || undefined);
  if (!parsed.success) throw new Error(`SYNC_ROLE: must be one of ${SYNC_ROLES.join(', ')}`);
  return parsed.data;
}
