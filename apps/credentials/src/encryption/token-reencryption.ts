import { Client } from 'pg';

import { EncryptedToken, SecretPurpose, TokenCipher } from './token-cipher';

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

/** The tables holding ciphertext under CREDENTIALS_ENCRYPTION_KEYS, and what each row holds. */
const ENCRYPTED_TABLES: { table: string; purpose: SecretPurpose }[] = [
  { table: 'credentials.connection_token', purpose: 'token' },
  { table: 'credentials.postback_secret', purpose: 'postback-secret' },
];

/**
 * Re-encrypts every stored secret (tokens and postback secrets) that is not under the cipher's current (first)
 * key, in short transactions with row locks, so it can run while the service serves requests. Once it reports no
 * failures, the old keys can be removed from CREDENTIALS_ENCRYPTION_KEYS.
 */
export async function reencryptStoredTokens(databaseUrl: string, cipher: TokenCipher): Promise<ReencryptionReport> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const report: ReencryptionReport = { reencrypted: 0, alreadyCurrent: 0, failed: [] };
  try {
    for (const { table, purpose } of ENCRYPTED_TABLES) await reencryptTable(client, cipher, table, purpose, report);
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return report;
}

async function reencryptTable(
  client: Client,
  cipher: TokenCipher,
  table: string,
  purpose: SecretPurpose,
  report: ReencryptionReport,
): Promise<void> {
  const skipped: string[] = [];
  const current = await client.query<{ count: string }>(`select count(*) from ${table} where key_id = $1`, [
    cipher.currentKeyId,
  ]);
  report.alreadyCurrent += Number(current.rows[0].count);
  for (;;) {
    await client.query('begin');
    const { rows } = await client.query<EncryptedToken & { connectionId: string; tenantId: string }>(
      `select connection_id as "connectionId", tenant_id as "tenantId", key_id as "keyId", nonce, ciphertext
       from ${table}
       where key_id <> $1 and not (connection_id = any($2::uuid[]))
       order by connection_id limit $3 for update skip locked`,
      [cipher.currentKeyId, skipped, BATCH],
    );
    if (rows.length === 0) {
      await client.query('commit');
      return;
    }
    for (const row of rows) {
      const owner = { tenantId: row.tenantId, connectionId: row.connectionId };
      try {
        const next = cipher.encrypt(cipher.decrypt(row, owner, purpose), owner, purpose);
        await client.query(
          `update ${table} set key_id = $1, nonce = $2, ciphertext = $3, encrypted_at = now()
           where connection_id = $4 and key_id = $5`,
          [next.keyId, next.nonce, next.ciphertext, row.connectionId, row.keyId],
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
    await client.query('commit');
  }
}
