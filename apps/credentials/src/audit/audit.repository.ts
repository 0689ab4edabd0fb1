import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { AuditEvent } from './audit-event.entity';

export const AUDIT_ACTIONS = [
  'connected',
  'rotated',
  'disconnected',
  'token-rejected',
  'status-changed',
  'sync-requested',
  'postback-url-created',
  'postback-url-rotated',
  'postback-url-revoked',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who did what to an org's connection and when; never the token, at most its hint. */
@Injectable()
export class AuditRepository {
  constructor(private readonly em: EntityManager) {}

  /** In the caller's transaction when given its `em`, so the entry commits (or not) with the change it records. */
  public async record(
    entry: {
      tenantId: string;
      connectionId: string;
      action: AuditAction;
      actorUserId: string | null;
      tokenHint?: string | null;
      detail?: string | null;
      correlationId?: string | null;
      occurredAt: Date;
    },
    em: EntityManager = this.em.fork(),
  ): Promise<void> {
    await em.insert(AuditEvent, {
      tenantId: entry.tenantId,
      connectionId: entry.connectionId,
      action: entry.action,
      actorUserId: entry.actorUserId,
      tokenHint: entry.tokenHint ?? null,
      detail: entry.detail ?? null,
      correlationId: entry.correlationId ?? null,
      occurredAt: entry.occurredAt,
    });
  }

  /** Newest first; `beforeId` continues after the last entry of the previous page. */
  public async list(tenantId: string, limit: number, beforeId?: string): Promise<AuditEvent[]> {
    return this.em
      .fork()
      .find(
        AuditEvent,
        { tenantId, ...(beforeId ? { id: { $lt: beforeId } } : {}) },
        { orderBy: { id: 'desc' }, limit },
      );
  }
}
