import { z } from 'zod';

import { baseEnvSchema, portSchema } from '@pp/config';

export const credentialsEnvSchema = baseEnvSchema.extend({
  PORT: portSchema(3001),
});

export type CredentialsEnv = z.infer<typeof credentialsEnvSchema>;
