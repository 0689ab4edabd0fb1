import { randomBytes } from 'node:crypto';

import { parseEncryptionKeys } from './encryption-keys';
import { TokenCipher, TokenDecryptionError } from './token-cipher';

const key = (id: string) => ({ id, key: randomBytes(32) });
const owner = { tenantId: 'org_a', connectionId: '6f1c8f4e-0000-4000-8000-000000000001' };
const token = 'sandbox_0123456789abcdef';

describe(TokenCipher.name, () => {
  it('round-trips with a fresh nonce each time and never contains the plaintext', () => {
    const cipher = new TokenCipher([key('k1')]);
    const first = cipher.encrypt(token, owner);
    const second = cipher.encrypt(token, owner);
    expect(first.nonce.length).toBe(12);
    expect(first.nonce.equals(second.nonce)).toBe(false);
    expect(first.ciphertext.equals(second.ciphertext)).toBe(false);
    expect(first.ciphertext.toString('latin1')).not.toContain(token);
    expect(cipher.decrypt(first, owner)).toBe(token);
  });

  it('refuses altered ciphertext, nonce or key id, and a token moved to another owner', () => {
    const cipher = new TokenCipher([key('k1'), key('k2')]);
    const sealed = cipher.encrypt(token, owner);
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0] ^= 1;
    expect(() => cipher.decrypt({ ...sealed, ciphertext: flipped }, owner)).toThrow(TokenDecryptionError);
    const nonce = Buffer.from(sealed.nonce);
    nonce[0] ^= 1;
    expect(() => cipher.decrypt({ ...sealed, nonce }, owner)).toThrow(TokenDecryptionError);
    expect(() => cipher.decrypt({ ...sealed, keyId: 'k2' }, owner)).toThrow(TokenDecryptionError);
    expect(() => cipher.decrypt(sealed, { ...owner, tenantId: 'org_b' })).toThrow(TokenDecryptionError);
    expect(() => cipher.decrypt({ ...sealed, ciphertext: sealed.ciphertext.subarray(0, 10) }, owner)).toThrow(
      TokenDecryptionError,
    );
  });

  it('does not decrypt a token as a postback secret, or the other way round', () => {
    const cipher = new TokenCipher([key('k1')]);
    const sealedToken = cipher.encrypt(token, owner);
    expect(() => cipher.decrypt(sealedToken, owner, 'postback-secret')).toThrow(TokenDecryptionError);
    const sealedSecret = cipher.encrypt('secret-value', owner, 'postback-secret');
    expect(cipher.decrypt(sealedSecret, owner, 'postback-secret')).toBe('secret-value');
    expect(() => cipher.decrypt(sealedSecret, owner)).toThrow(TokenDecryptionError);
  });

  it('encrypts with the first key and decrypts with any listed key', () => {
    const oldKey = key('old');
    const newKey = key('new');
    const before = new TokenCipher([oldKey]).encrypt(token, owner);
    const rotated = new TokenCipher([newKey, oldKey]);
    expect(rotated.decrypt(before, owner)).toBe(token);
    expect(rotated.encrypt(token, owner).keyId).toBe('new');
    expect(() => new TokenCipher([newKey]).decrypt(before, owner)).toThrow(/not configured/);
  });
});

describe('parseEncryptionKeys', () => {
  it('parses keyId:base64 lists and names problems without key material', () => {
    const material = randomBytes(32).toString('base64');
    const parsed = parseEncryptionKeys(`k2:${material}, k1:${randomBytes(32).toString('base64')}`);
    expect('keys' in parsed && parsed.keys.map((entry) => entry.id)).toEqual(['k2', 'k1']);
    const short = parseEncryptionKeys(`k1:${randomBytes(16).toString('base64')}`);
    expect(short).toEqual({ problem: "entry 1 ('k1') must be base64 of exactly 32 bytes" });
    const noId = parseEncryptionKeys(material);
    expect('problem' in noId && noId.problem).not.toContain(material);
    expect(parseEncryptionKeys(`a:${material},a:${material}`)).toEqual({ problem: "key id 'a' is listed twice" });
  });
});
