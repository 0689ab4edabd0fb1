import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { EncryptionKey } from './encryption-keys';

export interface EncryptedToken {
  keyId: string;
  /** 96-bit nonce, fresh for every encryption. */
  nonce: Buffer;
  /** AES-256-GCM ciphertext followed by its 16-byte tag. */
  ciphertext: Buffer;
}

/** Who a stored token belongs to; bound into the ciphertext so a row copied to another org does not decrypt. */
export interface TokenOwner {
  tenantId: string;
  connectionId: string;
}

/**
 * What a ciphertext holds, bound into its AAD: a token row copied into the postback table (whose plaintext the
 * status object shows) does not decrypt there.
 */
export type SecretPurpose = 'token' | 'postback-secret';

const AAD_LABELS: Record<SecretPurpose, string> = {
  token: 'pp-credentials-token',
  'postback-secret': 'pp-credentials-postback-secret',
};

const TAG_LENGTH = 16;

export class TokenDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenDecryptionError';
  }
}

function aad(owner: TokenOwner, keyId: string, purpose: SecretPurpose): Buffer {
  return Buffer.from(JSON.stringify([AAD_LABELS[purpose], 1, owner.tenantId, owner.connectionId, keyId]));
}

/** AES-256-GCM for stored secrets (tokens, postback secrets); the first key encrypts, every key decrypts (rotation). */
export class TokenCipher {
  private readonly keys: Map<string, Buffer>;

  constructor(keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('TokenCipher needs at least one key');
    this.keys = new Map(keys.map(({ id, key }) => [id, key]));
    this.currentKeyId = keys[0].id;
  }

  public readonly currentKeyId: string;

  public encrypt(token: string, owner: TokenOwner, purpose: SecretPurpose = 'token'): EncryptedToken {
    const keyId = this.currentKeyId;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(keyId)!, nonce, { authTagLength: TAG_LENGTH });
    cipher.setAAD(aad(owner, keyId, purpose));
    const ciphertext = Buffer.concat([cipher.update(token, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return { keyId, nonce, ciphertext };
  }

  public decrypt(encrypted: EncryptedToken, owner: TokenOwner, purpose: SecretPurpose = 'token'): string {
    const key = this.keys.get(encrypted.keyId);
    if (!key)
      throw new TokenDecryptionError(`Token is encrypted under key '${encrypted.keyId}', which is not configured`);
    if (encrypted.ciphertext.length <= TAG_LENGTH) throw new TokenDecryptionError('Stored token is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, encrypted.nonce, { authTagLength: TAG_LENGTH });
      decipher.setAAD(aad(owner, encrypted.keyId, purpose));
      decipher.setAuthTag(encrypted.ciphertext.subarray(-TAG_LENGTH));
      return Buffer.concat([decipher.update(encrypted.ciphertext.subarray(0, -TAG_LENGTH)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new TokenDecryptionError('Stored token failed authentication (altered, or bound to another connection)');
    }
  }
}
