import { ApiProperty } from '@nestjs/swagger';

import { SYNC_MODES } from '@pp/contracts';

import { ListQueryDto } from '../common/list-query.dto';
import { KeysetRow, ListSpec } from '../common/list-spec';
import { iso } from '../common/money';
import { sql, table, tenant } from '../database/sql';
import {
  REPORTED_SYNC_RUN_STATUSES,
  ReportedSyncRunStatus,
  StreamFreshnessDto,
  StreamStatsDto,
  SyncRunProgressDto,
} from './sync-run-streams.dto';

export class SyncRunDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: "The sync service's run id" }) externalKey!: string;
  @ApiProperty() connectionId!: string;
  @ApiProperty({ enum: SYNC_MODES, description: 'full re-reads every record; incremental reads what changed' })
  mode!: (typeof SYNC_MODES)[number];
  @ApiProperty({
    enum: REPORTED_SYNC_RUN_STATUSES,
    description:
      "running, succeeded, partial or failed; a merged run shows its target's, and is queued until that one starts",
  })
  status!: ReportedSyncRunStatus;
  @ApiProperty() startedAt!: string;
  @ApiProperty({ nullable: true, type: String }) finishedAt!: string | null;
  @ApiProperty({ nullable: true, type: Number }) recordsFetched!: number | null;
  @ApiProperty({ nullable: true, type: Number }) recordsEmitted!: number | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ type: [StreamStatsDto], description: 'Per-stream counts and errors; empty until the run finishes' })
  streams!: StreamStatsDto[];
  @ApiProperty({ nullable: true, type: String }) nextSyncAt!: string | null;
  @ApiProperty({
    type: SyncRunProgressDto,
    nullable: true,
    description: 'The latest progress of each stream while the run ran; null when it reported none',
  })
  progress!: SyncRunProgressDto | null;
  @ApiProperty({
    type: [StreamFreshnessDto],
    nullable: true,
    description: 'Per stream after the run, how far each freshness tier is current; null before it finished',
  })
  freshness!: StreamFreshnessDto[] | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "The sync run id (externalKey) of the run this one was folded into; its status is that run's",
  })
  mergedIntoSyncRunId!: string | null;
}

export interface SyncRunRow extends KeysetRow {
  external_key: string;
  connection_id: string;
  mode: (typeof SYNC_MODES)[number];
  status: ReportedSyncRunStatus;
  started_at: Date;
  finished_at: Date | null;
  records_fetched: number | null;
  records_emitted: number | null;
  error: string | null;
  streams: StreamStatsDto[];
  next_sync_at: Date | null;
  progress: SyncRunProgressDto | null;
  freshness: StreamFreshnessDto[] | null;
  merged_into_sync_run_id: string | null;
}

export const SYNC_RUN_COLUMNS = sql`s.id, s.external_key, s.connection_id, s.mode, s.status, s.started_at, s.finished_at,
 s.records_fetched, s.records_emitted, s.error, s.streams, s.next_sync_at, s.progress, s.freshness,
 s.merged_into_sync_run_id`;

export function toSyncRun(row: SyncRunRow): SyncRunDto {
  return {
    id: row.id,
    externalKey: row.external_key,
    connectionId: row.connection_id,
    mode: row.mode,
    status: row.status,
    startedAt: iso(row.started_at) as string,
    finishedAt: iso(row.finished_at),
    recordsFetched: row.records_fetched,
    recordsEmitted: row.records_emitted,
    error: row.error,
    streams: row.streams,
    nextSyncAt: iso(row.next_sync_at),
    progress: row.progress,
    freshness: row.freshness,
    mergedIntoSyncRunId: row.merged_into_sync_run_id,
  };
}

export const syncRunList: ListSpec<ListQueryDto, SyncRunRow, SyncRunDto> = {
  resource: 'sync-runs',
  select: SYNC_RUN_COLUMNS,
  from: table('sync_run', 's'),
  scope: tenant('s'),
  idExpression: 's.id',
  createdExpression: 's.started_at',
  sortColumns: [{ name: 'startedAt', expression: 's.started_at', sqlType: 'timestamptz' }],
  defaultSort: '-startedAt',
  statusExpression: 's.status',
  map: toSyncRun,
  csv: [
    { header: 'id', value: (item) => item.id },
    { header: 'external_key', value: (item) => item.externalKey },
    { header: 'connection_id', value: (item) => item.connectionId },
    { header: 'mode', value: (item) => item.mode },
    { header: 'status', value: (item) => item.status },
    { header: 'started_at', value: (item) => item.startedAt },
    { header: 'finished_at', value: (item) => item.finishedAt },
    { header: 'records_fetched', value: (item) => item.recordsFetched },
    { header: 'records_emitted', value: (item) => item.recordsEmitted },
    { header: 'error', value: (item) => item.error },
    { header: 'streams', value: (item) => JSON.stringify(item.streams) },
    { header: 'merged_into_sync_run_id', value: (item) => item.mergedIntoSyncRunId },
    { header: 'progress', value: (item) => (item.progress === null ? null : JSON.stringify(item.progress)) },
    { header: 'freshness', value: (item) => (item.freshness === null ? null : JSON.stringify(item.freshness)) },
  ],
};
