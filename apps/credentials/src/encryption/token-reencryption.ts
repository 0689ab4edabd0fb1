import { LockMode, MikroORM, raw } from '@mikro-orm/core';
import { EntityManager, PostgreSqlDriver } from '@mikro-orm/postgresql';

import { ConnectionToken } from '../connections/connection-token.entity';
import { CREDENTIALS_ENTITIES } from '../database/credentials-entities';
import { PostbackSecret } from '../postbacks/postback-secret.entity';
import { SecretPurpose, TokenCipher } from './token-cipher';

export interface ReencryptionReport {
  reencrypted: number;
  alreadyCurrent: number;
  /**
   * Rows left as they were because they would not decrypt (unknown key or altered): a token needs a new PUT, a
   * postback secret a new postback URL.
   */
  failed: { connectionId: string; keyId: string; kind: SecretPurpose; reason: string }[];
}

const BATCH = 100;

/** The entities holding ciphertext under CREDENTIALS_ENCRYPTION_KEYS, and what each row holds. */
const ENCRYPTED_SECRETS: { entity: typeof ConnectionToken | typeof PostbackSecret; purpose: SecretPurpose }[] = [
  { entity: ConnectionToken, purpose: 'token' },
  { entity: PostbackSecret, purpose: 'postback-secret' },
];

/**
 * Re-encrypts every stored secret (tokens and postback secrets) that is not under the cipher's current (first)
 * key, in short transactions with row locks, so it can run while the service serves requests. Once it reports no
 * failures, the old keys can be removed from CREDENTIALS_ENCRYPTION_KEYS.
 */
export async function reencryptStoredTokens(databaseUrl: string, cipher: TokenCipher): Promise<ReencryptionReport> {
  const orm = await MikroORM.init<PostgreSqlDriver>({
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    entities: CREDENTIALS_ENTITIES,
    forceUtcTimezone: true,
    pool: { min: 0, max: 1 },
    debug: false,
  });
  const report: ReencryptionReport = { reencrypted: 0, alreadyCurrent: 0, failed: [] };
  try {
    for (const { entity, purpose } of ENCRYPTED_SECRETS) await reencryptAll(orm.em, cipher, entity, purpose, report);
  } finally {
    await orm.close(true);
  }
  return report;
}

async function reencryptAll(
  em: EntityManager,
  cipher: TokenCipher,
  entity: typeof ConnectionToken | typeof PostbackSecret,
  purpose: SecretPurpose,
  report: ReencryptionReport,
): Promise<void> {
  const skipped: string[] = [];
  report.alreadyCurrent += await em.fork().count(entity, { keyId: cipher.currentKeyId });
  // One batch a transaction; rows another run holds are skipped, rows that will not decrypt are not retried.
  while (
    await em.fork().transactional(async (batch) => {
      const rows = await batch.find(
        entity,
        { keyId: { $ne: cipher.currentKeyId }, connectionId: { $nin: skipped } },
        { orderBy: { connectionId: 'asc' }, limit: BATCH, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
      );
      for (const row of rows) {
        const owner = { tenantId: row.tenantId, connectionId: row.connectionId };
        try {
          const next = cipher.encrypt(cipher.decrypt(row, owner, purpose), owner, purpose);
          await batch.nativeUpdate(
            entity,
            { connectionId: row.connectionId, keyId: row.keyId },
            { ...next, encryptedAt: raw('now()') },
          );
          report.reencrypted++;
        } catch (error) {
          skipped.push(row.connectionId);
          report.failed.push({
            connectionId: row.connectionId,
            keyId: row.keyId,
            kind: purpose,
            reason: error instanceof Error ? error.message : 'unknown error',
          });
        }
      }
      return rows.length > 0;
    })
  );
}
