import { ApiProperty } from '@nestjs/swagger';

import type { StreamFreshness } from '@pp/contracts';
import type { SyncRunProgress } from '@pp/domain';

import { ListQueryDto } from '../common/list-query.dto';
import { KeysetRow, ListSpec } from '../common/list-spec';
import { iso } from '../common/money';
import { sql, table, tenant } from '../database/sql';

export class SyncRunDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: "The sync service's run id" }) externalKey!: string;
  @ApiProperty() connectionId!: string;
  @ApiProperty() mode!: string;
  @ApiProperty({
    description: "running, succeeded, partial or failed; a merged run shows its target's (queued before it started)",
  })
  status!: string;
  @ApiProperty() startedAt!: string;
  @ApiProperty({ nullable: true, type: String }) finishedAt!: string | null;
  @ApiProperty({ nullable: true, type: Number }) recordsFetched!: number | null;
  @ApiProperty({ nullable: true, type: Number }) recordsEmitted!: number | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ description: 'Per-stream counts and errors', type: 'array', items: { type: 'object' } })
  streams!: unknown[];
  @ApiProperty({ nullable: true, type: String }) nextSyncAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description:
      'Latest progress of each stream while the run ran: { reportedAt, streams: [{ stream, status, tier, pages, fetched, emitted, removed, estimatedPagesLeft, reportedAt }] }',
  })
  progress!: SyncRunProgress | null;
  @ApiProperty({
    nullable: true,
    type: 'array',
    items: { type: 'object' },
    description: 'Per stream after the run: { stream, newRecordsAsOf, warmAsOf, warmWindowDays, reconciledAt }',
  })
  freshness!: StreamFreshness[] | null;
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
  mode: string;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  records_fetched: number | null;
  records_emitted: number | null;
  error: string | null;
  streams: unknown[];
  next_sync_at: Date | null;
  progress: SyncRunProgress | null;
  freshness: StreamFreshness[] | null;
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
