import { z } from 'zod';

import { baseEnvSchema, portSchema } from '@pp/config';

export const reportingEnvSchema = baseEnvSchema.extend({
  PORT: portSchema(3002),
});

export type ReportingEnv = z.infer<typeof reportingEnvSchema>;
