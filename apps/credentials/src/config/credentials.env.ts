import { z } from 'zod';

import {
  baseEnvSchema,
  DEVELOPMENT_JWT_SECRET,
  jwtEnvShape,
  portSchema,
  restEnvShape,
  ValidateEnvOptions,
} from '@pp/config';
import { DEVELOPMENT_TOKEN_HANDOFF_KEY, tokenHandoffKeySchema } from '@pp/token-handoff';

import { DEVELOPMENT_ENCRYPTION_KEYS, encryptionKeysSchema } from '../encryption/encryption-keys';

export const credentialsEnvSchema = baseEnvSchema.extend({
  PORT: portSchema(3001),
  ...jwtEnvShape,
  ...restEnvShape,
  CREDENTIALS_ENCRYPTION_KEYS: encryptionKeysSchema,
  TOKEN_HANDOFF_KEY: tokenHandoffKeySchema,
  PARTNERSTACK_API_URL: z.string().url().default('https://api.partnerstack.com/api/v2'),
  SYNC_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /** Public origin postback URLs are built on (what PartnerStack can reach), without a trailing path. */
  POSTBACK_BASE_URL: z
    .string()
    .url()
    .transform((value) => value.replace(/\/+$/, ''))
    .default('http://localhost:3001'),
  /** At most one postback-triggered sync per org in this window; later postbacks make one trailing sync. */
  POSTBACK_DEBOUNCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
});

export type CredentialsEnv = z.infer<typeof credentialsEnvSchema>;

export const credentialsEnvOptions: ValidateEnvOptions = {
  developmentSecrets: {
    JWT_SECRET: DEVELOPMENT_JWT_SECRET,
    CREDENTIALS_ENCRYPTION_KEYS: DEVELOPMENT_ENCRYPTION_KEYS,
    TOKEN_HANDOFF_KEY: DEVELOPMENT_TOKEN_HANDOFF_KEY,
  },
};
