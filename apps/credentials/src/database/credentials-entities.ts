import { AuditEvent } from '../audit/audit-event.entity';
import { ConnectionToken } from '../connections/connection-token.entity';
import { Connection } from '../connections/connection.entity';
import { PostbackSecret } from '../postbacks/postback-secret.entity';
import { ActionCooldown } from '../rate-limit/action-cooldown.entity';
import { RateLimitWindow } from '../rate-limit/rate-limit-window.entity';
import { SyncRequest } from '../sync-requests/sync-request.entity';
import { SyncRunReport } from '../sync-requests/sync-run-report.entity';

/** Every table of the `credentials` schema; the schema test proves the migrations build exactly these. */
export const CREDENTIALS_ENTITIES = [
  Connection,
  ConnectionToken,
  AuditEvent,
  RateLimitWindow,
  ActionCooldown,
  SyncRequest,
  SyncRunReport,
  PostbackSecret,
];
