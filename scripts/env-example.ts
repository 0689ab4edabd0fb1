import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { z } from 'zod';

import { credentialsEnvOptions, credentialsEnvSchema } from '../apps/credentials/src/config/credentials.env';
import { normalizerEnvSchema } from '../apps/normalizer/src/config/normalizer.env';
import { sandboxEnvSchema } from '../apps/partnerstack-sandbox/src/config/sandbox.env';
import { reportingDevelopmentSecrets, reportingEnvSchema } from '../apps/reporting/src/config/reporting.env';
import { syncDevelopmentSecrets, syncEnvSchema } from '../apps/sync/src/config/sync.env';
import { baseEnvSchema } from '@pp/config';

interface EnvSource {
  title: string;
  /** Where its variables are declared: their doc comments become the example's comments. */
  files: string[];
  schema: z.ZodObject;
  secrets?: Record<string, string>;
}

const root = join(__dirname, '..');

const SOURCES: EnvSource[] = [
  { title: 'every service (except the sandbox)', files: ['libs/config/src/env.ts'], schema: baseEnvSchema },
  {
    title: 'credentials',
    files: ['apps/credentials/src/config/credentials.env.ts', 'libs/config/src/env.ts'],
    schema: credentialsEnvSchema,
    secrets: credentialsEnvOptions.developmentSecrets,
  },
  {
    title: 'sync (scheduler and workers)',
    files: ['apps/sync/src/config/sync.env.ts'],
    schema: syncEnvSchema,
    secrets: syncDevelopmentSecrets,
  },
  { title: 'normalizer', files: ['apps/normalizer/src/config/normalizer.env.ts'], schema: normalizerEnvSchema },
  {
    title: 'reporting',
    files: ['apps/reporting/src/config/reporting.env.ts', 'libs/config/src/env.ts'],
    schema: reportingEnvSchema,
    secrets: reportingDevelopmentSecrets,
  },
  {
    title: 'partnerstack-sandbox',
    files: ['apps/partnerstack-sandbox/src/config/sandbox.env.ts'],
    schema: sandboxEnvSchema,
  },
];

/** The `/** … *\/` comment right above `NAME:` in a schema file, as one line. */
function docComments(files: string[]): Map<string, string> {
  const comments = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const match of text.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*?)\*\/\s*\n\s*([A-Z][A-Z0-9_]+):/g)) {
      const comment = match[1]
        .split('\n')
        .map((line) => line.replace(/^\s*\*\s?/, '').trim())
        .filter(Boolean)
        .join(' ');
      if (!comments.has(match[2])) comments.set(match[2], comment);
    }
  }
  return comments;
}

function exampleValue(field: z.ZodType): string | undefined {
  const parsed = field.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return undefined;
  return Array.isArray(parsed.data) ? parsed.data.join(',') : String(parsed.data);
}

/**
 * `.env.example`: every variable any service reads, by service, with its default, generated from the env schemas so
 * it cannot fall behind them (a test compares it with the committed file; `npm run env:example` rewrites it).
 */
export function renderEnvExample(): string {
  const lines = [
    '# Every environment variable the services read, generated from their env schemas by `npm run env:example`.',
    '# A variable shown with a value has that default; one commented out is optional. Secrets are empty: outside',
    '# production each falls back to a public development value; in production a missing secret stops the service.',
    '# Details per service: docs/operations.md.',
  ];
  const listed = new Set<string>();
  for (const source of SOURCES) {
    const comments = docComments(source.files);
    const entries = Object.entries(source.schema.shape as Record<string, z.ZodType>).filter(
      ([name]) => source === SOURCES[0] || !(name in SOURCES[0].schema.shape),
    );
    lines.push('', `# --- ${source.title} ---`);
    for (const [name, field] of entries) {
      const comment = comments.get(name);
      if (comment && !listed.has(name)) lines.push(`# ${comment}`);
      const secret = source.secrets !== undefined && name in source.secrets;
      const value = secret ? '' : (exampleValue(field) ?? '');
      // One file, one value per name: a name an earlier section set is shown as this service's own default only.
      const optional = !secret && exampleValue(field) === undefined;
      if (secret && !listed.has(name)) lines.push('# secret: required in production');
      lines.push(listed.has(name) || optional ? `# ${name}=${value}` : `${name}=${value}`);
      listed.add(name);
    }
  }
  return `${lines.join('\n')}\n`;
}

if (require.main === module) process.stdout.write(renderEnvExample());
