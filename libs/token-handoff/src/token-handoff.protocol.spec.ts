import { generateKeyPairSync, randomBytes } from 'node:crypto';

import { REQUEST_MAX_AGE_MS } from './token-handoff.constants';
import { DEVELOPMENT_TOKEN_HANDOFF_KEY, deriveHandoffKeys, tokenHandoffKeySchema } from './token-handoff.key';
import { checkRequest, createRequest, openReply, ReplyOpenError, sealReply } from './token-handoff.protocol';

const keys = deriveHandoffKeys(DEVELOPMENT_TOKEN_HANDOFF_KEY);
const otherKeys = deriveHandoffKeys(randomBytes(32).toString('base64'));
const target = { tenantId: 'org_a', connectionId: 'conn_1' };
const token = 'sandbox_secret_value_1234';

function sealedFor(request = createRequest(keys, target)) {
  const check = checkRequest(keys, JSON.parse(JSON.stringify(request.request)));
  if (!check.ok) throw new Error(`request refused: ${check.reason}`);
  const reply = sealReply(keys, check.request, { status: 'available', token });
  if (reply.outcome !== 'sealed') throw new Error('not sealed');
  return { ...request, reply };
}

describe('token hand-off protocol', () => {
  it('round-trips a token and never carries it in clear', () => {
    const { request, privateKey, reply } = sealedFor();
    expect(JSON.stringify(request)).not.toContain(token);
    expect(JSON.stringify(reply)).not.toContain(token);
    expect(openReply(keys, request, privateKey, reply)).toEqual({ status: 'available', token });
  });

  it('refuses requests signed with another key, altered, malformed or stale', () => {
    const foreign = createRequest(otherKeys, target).request;
    expect(checkRequest(keys, foreign)).toMatchObject({ ok: false, reason: 'unauthenticated' });

    const altered = { ...createRequest(keys, target).request, tenantId: 'org_b' };
    expect(checkRequest(keys, altered)).toMatchObject({ ok: false, reason: 'unauthenticated' });

    expect(checkRequest(keys, { hello: 'world' })).toMatchObject({ ok: false, reason: 'malformed' });

    const old = createRequest(keys, target, Date.now() - REQUEST_MAX_AGE_MS - 1_000).request;
    expect(checkRequest(keys, old)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('opens a reply only with the requester ephemeral key and the shared key', () => {
    const { request, privateKey, reply } = sealedFor();
    const stranger = generateKeyPairSync('x25519').privateKey;
    expect(() => openReply(keys, request, stranger, reply)).toThrow(ReplyOpenError);
    expect(() => openReply(otherKeys, request, privateKey, reply)).toThrow(ReplyOpenError);
  });

  it('binds the reply to tenant, connection, request and expiry', () => {
    const { request, privateKey, reply } = sealedFor();
    expect(() => openReply(keys, { ...request, connectionId: 'conn_2' }, privateKey, reply)).toThrow(ReplyOpenError);
    expect(() => openReply(keys, { ...request, tenantId: 'org_b' }, privateKey, reply)).toThrow(ReplyOpenError);
    expect(() => openReply(keys, request, privateKey, { ...reply, expiresAt: reply.expiresAt + 60_000 })).toThrow(
      ReplyOpenError,
    );
    const flipped = Buffer.from(reply.ciphertext, 'base64url');
    flipped[0] ^= 1;
    expect(() => openReply(keys, request, privateKey, { ...reply, ciphertext: flipped.toString('base64url') })).toThrow(
      ReplyOpenError,
    );
  });

  it('refuses a reply whose tag was truncated, which GCM alone would accept', () => {
    const { request, privateKey, reply } = sealedFor();
    const truncated = Buffer.from(reply.tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => openReply(keys, request, privateKey, { ...reply, tag: truncated })).toThrow(ReplyOpenError);
  });

  it('refuses an expired reply', () => {
    const { request, privateKey, reply } = sealedFor();
    expect(() => openReply(keys, request, privateKey, reply, reply.expiresAt + 1)).toThrow(/expired/);
  });

  it('accepts only base64 keys of 32 bytes', () => {
    expect(tokenHandoffKeySchema.safeParse(DEVELOPMENT_TOKEN_HANDOFF_KEY).success).toBe(true);
    expect(tokenHandoffKeySchema.safeParse(randomBytes(16).toString('base64')).success).toBe(false);
    expect(tokenHandoffKeySchema.safeParse('not base64!').success).toBe(false);
  });
});
