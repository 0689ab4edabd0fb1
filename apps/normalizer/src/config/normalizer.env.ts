import { z } from 'zod';

import { baseEnvSchema, portSchema } from '@pp/config';

export const normalizerEnvSchema = baseEnvSchema.extend({
  PORT: portSchema(3004),
  /** At most one refresh of a tenant's report aggregates per this many milliseconds (one more after the last batch). */
  AGGREGATES_REFRESH_INTERVAL_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
});

export type NormalizerEnv = z.infer<typeof normalizerEnvSchema>;
