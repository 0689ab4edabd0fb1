import { z } from 'zod';

export const NodeEnv = z.enum(['development', 'test', 'production']).default('development');

/** Variables every service reads; each app extends this with its own. */
export const baseEnvSchema = z.object({
  NODE_ENV: NodeEnv,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/partner_partner'),
  AMQP_URL: z
    .string()
    .regex(/^amqps?:\/\//, 'must be an amqp:// URL')
    .default('amqp://guest:guest@127.0.0.1:5672'),
  /**
   * Bearer token Prometheus must present on /metrics. Unset: /metrics is open outside production (the network policy
   * admits only Prometheus) and not served at all in production.
   */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

export type BaseEnv = z.infer<typeof baseEnvSchema>;

export const portSchema = (defaultPort: number) => z.coerce.number().int().min(1).max(65535).default(defaultPort);

export const commaSeparated = z.string().transform((value) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
);

export class InvalidEnvironmentError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid environment variables:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

export interface ValidateEnvOptions {
  /**
   * Secrets get these values only outside production; in production a missing secret stops the service.
   * Their values are never echoed in an error message.
   */
  developmentSecrets?: Record<string, string>;
}

/**
 * Parses the environment once at boot. Error messages name the variable and the rule it broke,
 * never its value, so a malformed secret cannot leak through a crash log.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  raw: Record<string, unknown>,
  { developmentSecrets = {} }: ValidateEnvOptions = {},
): z.infer<S> {
  const production = raw.NODE_ENV === 'production';
  const input: Record<string, unknown> = { ...raw };
  const problems: string[] = [];
  for (const [name, devDefault] of Object.entries(developmentSecrets)) {
    const value = input[name];
    if (value === undefined || value === '') {
      if (production) problems.push(`${name}: required in production (a secret has no default there)`);
      else input[name] = devDefault;
    }
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = issue.path.join('.') || '(root)';
      const secret = name in developmentSecrets;
      problems.push(`${name}: ${secret ? 'malformed secret (value not shown)' : issue.message}`);
    }
  }
  if (problems.length > 0) throw new InvalidEnvironmentError([...new Set(problems)]);
  return (result as { data: z.infer<S> }).data;
}

/** Adapter for `ConfigModule.forRoot({ validate })`: Nest refuses to boot when it throws. */
export function envValidator<S extends z.ZodType>(schema: S, options?: ValidateEnvOptions) {
  return (raw: Record<string, unknown>) => parseEnv(schema, raw, options);
}

/** Browser origins allowed to call the REST services; unset means localhost:5173 in development, none in production. */
export const corsOriginsSchema = commaSeparated.optional();

/** `true`/`false` (or 1/0, yes/no) from the environment; z.coerce.boolean would read "false" as true. */
export const booleanFlagSchema = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/**
 * What the two REST services share: who may call them from a browser, and whether the interactive API docs are served
 * (unset: served outside production only, since they map every route for whoever finds them).
 */
export const restEnvShape = {
  CORS_ORIGINS: corsOriginsSchema,
  API_DOCS_ENABLED: booleanFlagSchema.optional(),
};

export const jwtSecretSchema = z.string().min(32, 'must be at least 32 characters');
export const DEVELOPMENT_JWT_SECRET = 'development-only-jwt-secret-change-me-0123456789';

/**
 * How the REST services verify the main app's user JWTs. Issuer and audience are checked only when set, so a main app
 * that does not yet stamp them keeps working; a token may live at most JWT_MAX_AGE_SECONDS, measured from its `iat`
 * (or from now, for a token without one), so a leaked token with a far-off `exp` is not good for ever.
 */
export const jwtEnvShape = {
  JWT_SECRET: jwtSecretSchema,
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_MAX_AGE_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
};
