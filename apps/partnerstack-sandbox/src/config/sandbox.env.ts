import { z } from 'zod';

import { NodeEnv, portSchema } from '@pp/config';

export const sandboxEnvSchema = z.object({
  NODE_ENV: NodeEnv,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: portSchema(4010),
});

export type SandboxEnv = z.infer<typeof sandboxEnvSchema>;
