import { z } from 'zod';

/** What every message on the bus carries around its payload. */
export const envelopeSchema = z.object({
  messageId: z.string().uuid(),
  routingKey: z.string().min(1),
  schemaVersion: z.number().int().positive(),
  tenantId: z.string().min(1),
  correlationId: z.string().min(1),
  occurredAt: z.string().datetime({ offset: true }),
  idempotencyKey: z.string().min(1),
  payload: z.unknown(),
});

export type EnvelopeBase = z.infer<typeof envelopeSchema>;

export interface Envelope<K extends string, P> extends Omit<EnvelopeBase, 'routingKey' | 'payload'> {
  routingKey: K;
  payload: P;
}
