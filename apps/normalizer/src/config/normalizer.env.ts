import { z } from 'zod';

import { baseEnvSchema, portSchema } from '@pp/config';

export const normalizerEnvSchema = baseEnvSchema.extend({
  PORT: portSchema(3004),
});

export type NormalizerEnv = z.infer<typeof normalizerEnvSchema>;
