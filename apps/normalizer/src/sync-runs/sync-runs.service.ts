import { Knex } from '@mikro-orm/knex';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';

import type { PayloadOf } from '@pp/contracts';
import { stableId, SyncRunProgress } from '@pp/domain';

import { mergeProgress } from './sync-run-progress';

/**
 * A merged run's mode is unknown until its target starts (the merge names no mode); the target's replaces it then.
 */
const MODE_UNKNOWN_UNTIL_TARGET_STARTS = 'incremental';

// Events of one org's runs are applied one at a time (the queue has a prefetch of 10): a merge and its target's
// finish committing side by side would each miss the other's row, leaving the merged run running for good.
const LOCK_SQL = `select pg_advisory_xact_lock(hashtextextended('domain.sync_run:' || ?, 0))`;

// A progress report may come first (it carries no start time): its row's start is then corrected by the start.
const STARTED_SQL = `insert into domain.sync_run as t (id, tenant_id, external_key, connection_id, mode, status, started_at)
values (?, ?, ?, ?, ?, 'running', ?)
on conflict (tenant_id, external_key) do update set started_at = excluded.started_at, updated_at = now()
where t.finished_at is null and t.merged_into_sync_run_id is null and excluded.started_at < t.started_at`;

// A finished run is terminal; of two reports of one run (a redelivery, a retried job) the later finish wins.
const FINISHED_SQL = `insert into domain.sync_run as t (id, tenant_id, external_key, connection_id, mode, status, started_at,
  finished_at, records_fetched, records_emitted, error, streams, next_sync_at, freshness)
values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?::jsonb)
on conflict (tenant_id, external_key) do update set
  connection_id = excluded.connection_id, mode = excluded.mode, status = excluded.status,
  started_at = excluded.started_at, finished_at = excluded.finished_at, records_fetched = excluded.records_fetched,
  records_emitted = excluded.records_emitted, error = excluded.error, streams = excluded.streams,
  next_sync_at = excluded.next_sync_at, freshness = excluded.freshness, updated_at = now()
where t.finished_at is null or excluded.finished_at >= t.finished_at`;

const CURRENT_SQL = `select finished_at, merged_into_sync_run_id, progress from domain.sync_run
where tenant_id = ? and external_key = ? for update`;

// Progress only while the run runs: a report delivered after the finish (or for a run that never runs itself) is old.
const PROGRESS_SQL = `insert into domain.sync_run as t (id, tenant_id, external_key, connection_id, mode, status, started_at,
  progress)
values (?, ?, ?, ?, ?, 'running', ?, ?::jsonb)
on conflict (tenant_id, external_key) do update set progress = excluded.progress, updated_at = now()
where t.finished_at is null and t.merged_into_sync_run_id is null`;

// Until its target is known, a merged run waits with it: queued, since the time it was merged.
const MERGED_SQL = `insert into domain.sync_run as t (id, tenant_id, external_key, connection_id, mode, status, started_at,
  merged_into_sync_run_id)
values (?, ?, ?, ?, ?, 'queued', ?, ?)
on conflict (tenant_id, external_key) do update set
  merged_into_sync_run_id = excluded.merged_into_sync_run_id, updated_at = now()
where t.merged_into_sync_run_id is distinct from excluded.merged_into_sync_run_id`;

// The runs merged into one take its state; the later finish wins, as between two reports of one run, so a merged
// run's own finish (should one come) and its target's give the same row in either order. Records and freshness
// stay with the run that did the work, so lists never count them twice.
const FOLLOW_SQL = `update domain.sync_run f set
  connection_id = x.connection_id, mode = x.mode, status = x.status, started_at = x.started_at,
  finished_at = x.finished_at, error = x.error, progress = x.progress, updated_at = now()
from domain.sync_run x
where f.tenant_id = ? and x.tenant_id = ? and x.external_key = ?
  and f.merged_into_sync_run_id = x.external_key and f.id <> x.id
  and (f.finished_at is null or x.finished_at >= f.finished_at)
  and (f.connection_id, f.mode, f.status, f.started_at, f.finished_at, f.error, f.progress)
      is distinct from (x.connection_id, x.mode, x.status, x.started_at, x.finished_at, x.error, x.progress)
returning f.external_key`;

/**
 * Keeps `domain.sync_run` so the reporting service can list sync runs without reading the sync service's tables.
 * Every event is idempotent and may arrive in any order relative to the others of its run and of its target.
 */
@Injectable()
export class SyncRunsService {
  private readonly logger = new Logger(SyncRunsService.name);

  constructor(private readonly em: EntityManager) {}

  public async recordStarted(tenantId: string, payload: PayloadOf<'sync.run.started'>): Promise<void> {
    await this.inTenantLock(tenantId, async (trx) => {
      await trx.raw(STARTED_SQL, [
        stableId(tenantId, 'sync_run', payload.syncRunId),
        tenantId,
        payload.syncRunId,
        payload.connectionId,
        payload.mode,
        payload.startedAt,
      ]);
      await this.propagate(trx, tenantId, payload.syncRunId);
    });
    this.logger.log(`Sync run '${payload.syncRunId}' started`);
  }

  public async recordProgress(tenantId: string, payload: PayloadOf<'sync.run.progress'>): Promise<void> {
    const applied = await this.inTenantLock(tenantId, async (trx) => {
      const { rows } = await trx.raw<{
        rows: Array<{
          finished_at: Date | null;
          merged_into_sync_run_id: string | null;
          progress: SyncRunProgress | null;
        }>;
      }>(CURRENT_SQL, [tenantId, payload.syncRunId]);
      const current = rows[0];
      if (current && (current.finished_at !== null || current.merged_into_sync_run_id !== null)) return false;
      const progress = mergeProgress(current?.progress ?? null, payload);
      if (!progress) return false;
      await trx.raw(PROGRESS_SQL, [
        stableId(tenantId, 'sync_run', payload.syncRunId),
        tenantId,
        payload.syncRunId,
        payload.connectionId,
        payload.mode,
        payload.reportedAt,
        JSON.stringify(progress),
      ]);
      await this.propagate(trx, tenantId, payload.syncRunId);
      return true;
    });
    if (!applied) this.logger.debug(`Sync run '${payload.syncRunId}': progress not newer, or run finished or merged`);
  }

  public async recordFinished(tenantId: string, payload: PayloadOf<'sync.run.finished'>): Promise<void> {
    await this.inTenantLock(tenantId, async (trx) => {
      await trx.raw(FINISHED_SQL, [
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
        payload.freshness === undefined ? null : JSON.stringify(payload.freshness),
      ]);
      await this.propagate(trx, tenantId, payload.syncRunId);
    });
    this.logger.log(`Sync run '${payload.syncRunId}' finished: ${payload.status}`);
  }

  public async recordMerged(tenantId: string, payload: PayloadOf<'sync.run.merged'>): Promise<void> {
    await this.inTenantLock(tenantId, async (trx) => {
      await trx.raw(MERGED_SQL, [
        stableId(tenantId, 'sync_run', payload.syncRunId),
        tenantId,
        payload.syncRunId,
        payload.connectionId,
        MODE_UNKNOWN_UNTIL_TARGET_STARTS,
        payload.mergedAt,
        payload.mergedIntoSyncRunId,
      ]);
      await this.propagate(trx, tenantId, payload.mergedIntoSyncRunId);
    });
    this.logger.log(`Sync run '${payload.syncRunId}' merged into '${payload.mergedIntoSyncRunId}'`);
  }

  private inTenantLock<T>(tenantId: string, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.em
      .getConnection()
      .getKnex()
      .transaction(async (trx) => {
        await trx.raw(LOCK_SQL, [tenantId]);
        return work(trx);
      });
  }

  /**
   * Hands a run's state down to the runs merged into it, and on to runs merged into those. Rows that already match
   * are not touched, so a cycle (never produced, but not trusted away) ends after one round.
   */
  private async propagate(trx: Knex.Transaction, tenantId: string, syncRunId: string): Promise<void> {
    let targets = [syncRunId];
    while (targets.length > 0) {
      const next: string[] = [];
      for (const target of targets) {
        const { rows } = await trx.raw<{ rows: Array<{ external_key: string }> }>(FOLLOW_SQL, [
          tenantId,
          tenantId,
          target,
        ]);
        next.push(...rows.map((row) => row.external_key));
      }
      targets = next;
    }
  }
}
