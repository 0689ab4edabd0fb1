import 'reflect-metadata';

import { parseEnv } from '@pp/config';
import { createScriptLogger } from '@pp/observability';
import { describeDatabaseUrl } from '@pp/persistence';

import { credentialsEnvOptions, credentialsEnvSchema } from '../config/credentials.env';
import { TokenCipher } from '../encryption/token-cipher';
import { reencryptStoredTokens } from '../encryption/token-reencryption';

/**
 * `npm run credentials:reencrypt` (node dist/apps/credentials/src/commands/reencrypt.js): re-encrypts every
 * stored token and postback secret under the first key of CREDENTIALS_ENCRYPTION_KEYS. Exit code 0 means no token is left under
 * another key, so the old keys can be removed; 2 means some secrets could not be decrypted (listed in the log).
 */
async function main(): Promise<number> {
  const logger = createScriptLogger('credentials-reencrypt');
  const env = parseEnv(credentialsEnvSchema, process.env, credentialsEnvOptions);
  const cipher = new TokenCipher(env.CREDENTIALS_ENCRYPTION_KEYS);
  logger.info(
    `Re-encrypting stored tokens and postback secrets in ${describeDatabaseUrl(env.DATABASE_URL)} under key '${cipher.currentKeyId}'`,
  );
  const report = await reencryptStoredTokens(env.DATABASE_URL, cipher);
  for (const failure of report.failed) {
    logger.error(failure, `The ${failure.kind} of connection '${failure.connectionId}' could not be re-encrypted`);
  }
  logger.info(
    { reencrypted: report.reencrypted, alreadyCurrent: report.alreadyCurrent, failed: report.failed.length },
    report.failed.length === 0
      ? `Done: every secret is under key '${cipher.currentKeyId}'; older keys may be retired`
      : 'Done with failures: keep the old keys until those connections have a new token or postback URL',
  );
  return report.failed.length === 0 ? 0 : 2;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    createScriptLogger('credentials-reencrypt').fatal(
      { err: error instanceof Error ? { name: error.name, message: error.message } : undefined },
      'Re-encryption failed',
    );
    process.exit(1);
  },
);
