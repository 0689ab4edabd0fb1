import { Injectable } from '@nestjs/common';

import { CredentialsDatabase, Transaction } from '../database/credentials-database';

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

export interface AuditEntry {
  id: string;
  action: AuditAction;
  actorUserId: string | null;
  tokenHint: string | null;
  detail: string | null;
  correlationId: string | null;
  occurredAt: Date;
}

/** Who did what to an org's connection and when; never the token, at most its hint. */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: CredentialsDatabase) {}

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
    trx?: Transaction,
  ): Promise<void> {
    await this.db.query(
      `insert into credentials.audit_event
         (tenant_id, connection_id, action, actor_user_id, token_hint, detail, correlation_id, occurred_at)
       values (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        entry.tenantId,
        entry.connectionId,
        entry.action,
        entry.actorUserId,
        entry.tokenHint ?? null,
        entry.detail ?? null,
        entry.correlationId ?? null,
        entry.occurredAt,
      ],
      trx,
    );
  }

  /** Newest first; `beforeId` continues after the last entry of the previous page. */
  public async list(tenantId: string, limit: number, beforeId?: string): Promise<AuditEntry[]> {
    const rows = await this.db.query<AuditEntry>(
      `select id::text as id, action, actor_user_id as "actorUserId", token_hint as "tokenHint", detail,
         correlation_id as "correlationId", occurred_at as "occurredAt"
       from credentials.audit_event
       where tenant_id = ? and (?::bigint is null or id < ?::bigint)
       order by id desc limit ?`,
      [tenantId, beforeId ?? null, beforeId ?? null, limit],
    );
    return rows.map((row) => ({ ...row, occurredAt: new Date(row.occurredAt) }));
  }
}
