import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';

import type { PayloadOf } from '@pp/contracts';
import { stableId } from '@pp/domain';

const STARTED_SQL = `insert into domain.sync_run (id, tenant_id, external_key, connection_id, mode, status, started_at)
values (?, ?, ?, ?, ?, 'running', ?)
on conflict (tenant_id, external_key) do nothing`;

// A finished run is terminal; of two reports of one run (a redelivery, a retried job) the later finish wins.
const FINISHED_SQL = `insert into domain.sync_run as t (id, tenant_id, external_key, connection_id, mode, status, started_at,
  finished_at, records_fetched, records_emitted, error, streams, next_sync_at)
values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)
on conflict (tenant_id, external_key) do update set
  connection_id = excluded.connection_id, mode = excluded.mode, status = excluded.status,
  started_at = excluded.started_at, finished_at = excluded.finished_at, records_fetched = excluded.records_fetched,
  records_emitted = excluded.records_emitted, error = excluded.error, streams = excluded.streams,
  next_sync_at = excluded.next_sync_at, updated_at = now()
where t.finished_at is null or excluded.finished_at >= t.finished_at`;

/** Keeps `domain.sync_run` so the reporting service can list sync runs without reading the sync service's tables. */
@Injectable()
export class SyncRunsService {
  private readonly logger = new Logger(SyncRunsService.name);

  constructor(private readonly em: EntityManager) {}

  public async recordStarted(tenantId: string, payload: PayloadOf<'sync.run.started'>): Promise<void> {
    await this.em
      .getConnection()
      .getKnex()
      .raw(STARTED_SQL, [
        stableId(tenantId, 'sync_run', payload.syncRunId),
        tenantId,
        payload.syncRunId,
        payload.connectionId,
        payload.mode,
        payload.startedAt,
      ]);
    this.logger.log(`Sync run '${payload.syncRunId}' started`);
  }

  public async recordFinished(tenantId: string, payload: PayloadOf<'sync.run.finished'>): Promise<void> {
    await this.em
      .getConnection()
      .getKnex()
      .raw(FINISHED_SQL, [
        stableId(tenantId, 'sync_run', payload.syncRunId),
        tenantId,
        payload.syncRunId,
        payload.connectionId,
        payload.mode,
        payload.status,
        payload.startedAt,
        payload.finishedAt,
        payload.recordsFetched,
        payload.recordsEmitted,
        payload.error,
        JSON.stringify(payload.streams),
        payload.nextSyncAt,
      ]);
    this.logger.log(`Sync run '${payload.syncRunId}' finished: ${payload.status}`);
  }
}
