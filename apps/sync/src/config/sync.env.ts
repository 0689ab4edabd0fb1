import { z } from 'zod';

import { baseEnvSchema, portSchema } from '@pp/config';

export const syncEnvSchema = baseEnvSchema.extend({
  PORT: portSchema(3003),
});

export type SyncEnv = z.infer<typeof syncEnvSchema>;
