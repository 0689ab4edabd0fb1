import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  KeyObject,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto';

import { z } from 'zod';

import { PROTOCOL_VERSION, REPLY_TTL_MS, REQUEST_MAX_AGE_MS } from './token-handoff.constants';
import { TokenUnavailableReason } from './token-handoff.errors';
import { HandoffKeys } from './token-handoff.key';

/**
 * Wire format of the hand-off. A request names the connection and carries an ephemeral X25519 public key,
 * authenticated by an HMAC under TOKEN_HANDOFF_KEY. The reply is sealed (AES-256-GCM) under a key derived from
 * the X25519 exchange salted with TOKEN_HANDOFF_KEY, with tenant, connection, request id and expiry as AAD:
 * opening it needs both the shared key and the requester's ephemeral private key, which never leaves its memory.
 */
const requestSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  requestId: z.string().uuid(),
  tenantId: z.string().min(1).max(200),
  connectionId: z.string().min(1).max(200),
  issuedAt: z.number().int().positive(),
  clientPublicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  mac: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});
export type HandoffRequest = z.infer<typeof requestSchema>;

const sealedReplySchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  requestId: z.string(),
  outcome: z.literal('sealed'),
  expiresAt: z.number().int(),
  serverPublicKey: z.string(),
  iv: z.string(),
  ciphertext: z.string(),
  tag: z.string(),
});
const refusedReplySchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  requestId: z.string(),
  outcome: z.enum(['rejected', 'failed']),
  reason: z.string().max(200),
});
const replySchema = z.discriminatedUnion('outcome', [sealedReplySchema, refusedReplySchema]);
export type HandoffReply = z.infer<typeof replySchema>;

export type TokenResolution =
  { status: 'available'; token: string } | { status: 'unavailable'; reason: TokenUnavailableReason };

const sealedContentSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('available'), token: z.string().min(1) }),
  z.object({ status: z.literal('unavailable'), reason: z.enum(['disconnected', 'invalid', 'unknown']) }),
]);

export type RequestCheck =
  | { ok: true; request: HandoffRequest }
  | { ok: false; requestId: string | undefined; reason: 'malformed' | 'unauthenticated' | 'expired' };

function requestMac(keys: HandoffKeys, request: Omit<HandoffRequest, 'mac'>): string {
  const canonical = JSON.stringify([
    'pp-token-handoff-request',
    request.v,
    request.requestId,
    request.tenantId,
    request.connectionId,
    request.issuedAt,
    request.clientPublicKey,
  ]);
  return createHmac('sha256', keys.requestMac).update(canonical).digest('base64url');
}

function replyAad(reply: { requestId: string; expiresAt: number; serverPublicKey: string }, request: HandoffRequest) {
  return Buffer.from(
    JSON.stringify([
      'pp-token-handoff-reply',
      PROTOCOL_VERSION,
      reply.requestId,
      request.tenantId,
      request.connectionId,
      reply.expiresAt,
      reply.serverPublicKey,
    ]),
  );
}

function replyKey(keys: HandoffKeys, own: KeyObject, peerPublicKey: string, requestId: string): Buffer {
  const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: peerPublicKey }, format: 'jwk' });
  const shared = diffieHellman({ privateKey: own, publicKey: peer });
  return Buffer.from(hkdfSync('sha256', shared, keys.replySalt, `pp token-handoff v1 reply ${requestId}`, 32));
}

function publicKeyOf(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return jwk.x as string;
}

/** Client side: a signed request plus the ephemeral private key that alone can open its reply. */
export function createRequest(
  keys: HandoffKeys,
  target: { tenantId: string; connectionId: string },
  now = Date.now(),
): { request: HandoffRequest; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const unsigned = {
    v: PROTOCOL_VERSION,
    requestId: randomUUID(),
    tenantId: target.tenantId,
    connectionId: target.connectionId,
    issuedAt: now,
    clientPublicKey: publicKeyOf(publicKey),
  } as const;
  return { request: { ...unsigned, mac: requestMac(keys, unsigned) }, privateKey };
}

/** Server side: parses and authenticates a request; stale ones are refused so a captured request cannot be replayed later. */
export function checkRequest(keys: HandoffKeys, body: unknown, now = Date.now()): RequestCheck {
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    const requestId = (body as { requestId?: unknown } | null)?.requestId;
    return { ok: false, requestId: typeof requestId === 'string' ? requestId : undefined, reason: 'malformed' };
  }
  const request = parsed.data;
  const expected = Buffer.from(requestMac(keys, request));
  const given = Buffer.from(request.mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, requestId: request.requestId, reason: 'unauthenticated' };
  }
  if (Math.abs(now - request.issuedAt) > REQUEST_MAX_AGE_MS) {
    return { ok: false, requestId: request.requestId, reason: 'expired' };
  }
  return { ok: true, request };
}

/** The full 128-bit GCM tag, on both sides. */
const GCM_TAG_BYTES = 16;

export function sealReply(
  keys: HandoffKeys,
  request: HandoffRequest,
  resolution: TokenResolution,
  now = Date.now(),
): HandoffReply {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const header = {
    requestId: request.requestId,
    expiresAt: now + REPLY_TTL_MS,
    serverPublicKey: publicKeyOf(publicKey),
  };
  const key = replyKey(keys, privateKey, request.clientPublicKey, request.requestId);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(replyAad(header, request));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(resolution), 'utf8'), cipher.final()]);
  return {
    v: PROTOCOL_VERSION,
    outcome: 'sealed',
    ...header,
    iv: iv.toString('base64url'),
    ciphertext: ciphertext.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
  };
}

export function refusedReply(requestId: string, outcome: 'rejected' | 'failed', reason: string): HandoffReply {
  return { v: PROTOCOL_VERSION, requestId, outcome, reason };
}

export function parseReply(body: unknown): HandoffReply | undefined {
  const parsed = replySchema.safeParse(body);
  return parsed.success ? parsed.data : undefined;
}

export class ReplyOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplyOpenError';
  }
}

/** Client side: opens a sealed reply to its own request; throws ReplyOpenError for expired, forged or altered ones. */
export function openReply(
  keys: HandoffKeys,
  request: HandoffRequest,
  privateKey: KeyObject,
  reply: z.infer<typeof sealedReplySchema>,
  now = Date.now(),
): TokenResolution {
  if (reply.requestId !== request.requestId) throw new ReplyOpenError('reply belongs to another request');
  if (reply.expiresAt < now) throw new ReplyOpenError('reply expired before it was opened');
  try {
    const key = replyKey(keys, privateKey, reply.serverPublicKey, request.requestId);
    const tag = Buffer.from(reply.tag, 'base64url');
    // GCM would accept a tag cut down to 4 bytes, which a forger can guess; only the full tag authenticates.
    if (tag.length !== GCM_TAG_BYTES) throw new ReplyOpenError('reply tag has the wrong length');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(reply.iv, 'base64url'), {
      authTagLength: GCM_TAG_BYTES,
    });
    decipher.setAAD(replyAad(reply, request));
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(Buffer.from(reply.ciphertext, 'base64url')), decipher.final()]);
    return sealedContentSchema.parse(JSON.parse(plain.toString('utf8')));
  } catch {
    throw new ReplyOpenError('reply could not be authenticated (different TOKEN_HANDOFF_KEY or altered in transit)');
  }
}
