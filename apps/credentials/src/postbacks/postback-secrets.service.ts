import { createHash, randomBytes } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { POSTBACK_PATH_PREFIX, POSTBACK_SECRET_BYTES } from '../credentials.constants';
import { CredentialsDatabase, Transaction } from '../database/credentials-database';
import { EncryptedToken, TokenCipher, TokenOwner } from '../encryption/token-cipher';

function lookupHash(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/**
 * Each connection's postback URL secret: encrypted like tokens (so the status object can show the URL again, and
 * credentials:reencrypt covers it) plus a SHA-256 hash, the only thing an incoming postback is matched against.
 */
@Injectable()
export class PostbackSecretsService {
  private readonly baseUrl: string;

  constructor(
    private readonly db: CredentialsDatabase,
    private readonly cipher: TokenCipher,
    config: ConfigService,
  ) {
    this.baseUrl = config.getOrThrow<string>('POSTBACK_BASE_URL');
  }

  /** A fresh secret, replacing any previous one: the old URL stops matching when the transaction commits. */
  public async issue(owner: TokenOwner, trx: Transaction): Promise<void> {
    const secret = randomBytes(POSTBACK_SECRET_BYTES).toString('base64url');
    const encrypted = this.cipher.encrypt(secret, owner, 'postback-secret');
    await this.db.query(
      `insert into credentials.postback_secret (connection_id, tenant_id, lookup_hash, key_id, nonce, ciphertext)
       values (?, ?, ?, ?, ?, ?)
       on conflict (connection_id) do update set lookup_hash = excluded.lookup_hash, key_id = excluded.key_id,
         nonce = excluded.nonce, ciphertext = excluded.ciphertext, encrypted_at = now(), created_at = now()`,
      [owner.connectionId, owner.tenantId, lookupHash(secret), encrypted.keyId, encrypted.nonce, encrypted.ciphertext],
      trx,
    );
  }

  /** Issues a secret unless the connection has one (a token rotation keeps the URL the agency configured). */
  public async ensure(owner: TokenOwner, trx: Transaction): Promise<boolean> {
    const existing = await this.db.one(
      `select 1 from credentials.postback_secret where tenant_id = ? and connection_id = ?`,
      [owner.tenantId, owner.connectionId],
      trx,
    );
    if (existing) return false;
    await this.issue(owner, trx);
    return true;
  }

  public async revoke(owner: TokenOwner, trx: Transaction): Promise<boolean> {
    const rows = await this.db.query(
      `delete from credentials.postback_secret where tenant_id = ? and connection_id = ? returning connection_id`,
      [owner.tenantId, owner.connectionId],
      trx,
    );
    return rows.length > 0;
  }

  /** The URL to paste into PartnerStack's dashboard, or null when there is none (or it no longer decrypts). */
  public async urlFor(owner: TokenOwner): Promise<string | null> {
    const row = await this.db.one<EncryptedToken>(
      `select key_id as "keyId", nonce, ciphertext from credentials.postback_secret
       where tenant_id = ? and connection_id = ?`,
      [owner.tenantId, owner.connectionId],
    );
    if (!row) return null;
    try {
      return `${this.baseUrl}${POSTBACK_PATH_PREFIX}${this.cipher.decrypt(row, owner, 'postback-secret')}`;
    } catch {
      return null;
    }
  }

  /** The connection a presented secret belongs to, by its hash only. */
  public async ownerOf(secret: string): Promise<TokenOwner | undefined> {
    return this.db.one<TokenOwner>(
      `select tenant_id as "tenantId", connection_id as "connectionId" from credentials.postback_secret
       where lookup_hash = ?`,
      [lookupHash(secret)],
    );
  }
}
