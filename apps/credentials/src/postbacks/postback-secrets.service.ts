import { createHash, randomBytes } from 'node:crypto';

import { raw } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { POSTBACK_PATH_PREFIX, POSTBACK_SECRET_BYTES } from '../credentials.constants';
import { TokenCipher, TokenOwner } from '../encryption/token-cipher';
import { PostbackSecret } from './postback-secret.entity';

/** The row's key, and nothing else a caller's owner object may carry. */
function rowOf(owner: TokenOwner): TokenOwner {
  return { tenantId: owner.tenantId, connectionId: owner.connectionId };
}

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
    private readonly em: EntityManager,
    private readonly cipher: TokenCipher,
    config: ConfigService,
  ) {
    this.baseUrl = config.getOrThrow<string>('POSTBACK_BASE_URL');
  }

  /** A fresh secret, replacing any previous one: the old URL stops matching when the transaction commits. */
  public async issue(owner: TokenOwner, em: EntityManager): Promise<void> {
    const secret = randomBytes(POSTBACK_SECRET_BYTES).toString('base64url');
    const encrypted = this.cipher.encrypt(secret, owner, 'postback-secret');
    const replacement = { lookupHash: lookupHash(secret), ...encrypted };
    await em
      .createQueryBuilder(PostbackSecret)
      .insert({ ...rowOf(owner), ...replacement })
      .onConflict('connectionId')
      .merge({ ...replacement, encryptedAt: raw('now()'), createdAt: raw('now()') })
      .execute();
  }

  /** Issues a secret unless the connection has one (a token rotation keeps the URL the agency configured). */
  public async ensure(owner: TokenOwner, em: EntityManager): Promise<boolean> {
    if ((await em.count(PostbackSecret, rowOf(owner))) > 0) return false;
    await this.issue(owner, em);
    return true;
  }

  public async revoke(owner: TokenOwner, em: EntityManager): Promise<boolean> {
    return (await em.nativeDelete(PostbackSecret, rowOf(owner))) > 0;
  }

  /** The URL to paste into PartnerStack's dashboard, or null when there is none (or it no longer decrypts). */
  public async urlFor(owner: TokenOwner): Promise<string | null> {
    const stored = await this.em.fork().findOne(PostbackSecret, rowOf(owner));
    if (!stored) return null;
    try {
      return `${this.baseUrl}${POSTBACK_PATH_PREFIX}${this.cipher.decrypt(stored, owner, 'postback-secret')}`;
    } catch {
      return null;
    }
  }

  /** The connection a presented secret belongs to, by its hash only. */
  public async ownerOf(secret: string): Promise<TokenOwner | undefined> {
    const stored = await this.em
      .fork()
      .findOne(PostbackSecret, { lookupHash: lookupHash(secret) }, { fields: ['tenantId', 'connectionId'] });
    return stored ? { tenantId: stored.tenantId, connectionId: stored.connectionId } : undefined;
  }
}
