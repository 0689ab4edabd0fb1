import { z } from 'zod';

import { NodeEnv, portSchema } from '@pp/config';

const share = z.coerce.number().min(0).max(1);

export const sandboxEnvSchema = z.object({
  NODE_ENV: NodeEnv,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: portSchema(4010),
  /** Records per agency (all streams together) unless an admin call sets another size. */
  SANDBOX_DEFAULT_RECORDS: z.coerce.number().int().min(1).max(20_000_000).default(2000),
  /** The agencies' clock before any advance; fixed so every machine generates the same data. */
  SANDBOX_CLOCK_START: z.iso.datetime({ offset: true }).default('2026-06-01T00:00:00Z'),
  SANDBOX_HISTORY_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /** Generated records kept in memory across agencies; least recently used agencies are regenerated on demand. */
  SANDBOX_MAX_CACHED_RECORDS: z.coerce.number().int().min(1000).default(5_000_000),
  /** per-token: about half the agencies see deals and leads, the others get 403. */
  SANDBOX_DEALS_AND_LEADS: z.enum(['per-token', 'always', 'never']).default('per-token'),
  SANDBOX_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  SANDBOX_ERROR_RATE: share.default(0),
  SANDBOX_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  SANDBOX_CUT_RATE: share.default(0),
});

export type SandboxEnv = z.infer<typeof sandboxEnvSchema>;
