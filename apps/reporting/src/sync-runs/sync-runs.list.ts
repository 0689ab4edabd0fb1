import { ApiProperty } from '@nestjs/swagger';

import { ListQueryDto } from '../common/list-query.dto';
import { KeysetRow, ListSpec } from '../common/list-spec';
import { iso } from '../common/money';
import { sql, table, tenant } from '../database/sql';

export class SyncRunDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: "The sync service's run id" }) externalKey!: string;
  @ApiProperty() connectionId!: string;
  @ApiProperty() mode!: string;
  @ApiProperty({ description: 'running, succeeded, partial or failed' }) status!: string;
  @ApiProperty() startedAt!: string;
  @ApiProperty({ nullable: true, type: String }) finishedAt!: string | null;
  @ApiProperty({ nullable: true, type: Number }) recordsFetched!: number | null;
  @ApiProperty({ nullable: true, type: Number }) recordsEmitted!: number | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ description: 'Per-stream counts and errors', type: 'array', items: { type: 'object' } })
  streams!: unknown[];
  @ApiProperty({ nullable: true, type: String }) nextSyncAt!: string | null;
}

interface SyncRunRow extends KeysetRow {
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
}

export const syncRunList: ListSpec<ListQueryDto, SyncRunRow, SyncRunDto> = {
  resource: 'sync-runs',
  select: sql`s.id, s.external_key, s.connection_id, s.mode, s.status, s.started_at, s.finished_at, s.records_fetched,
 s.records_emitted, s.error, s.streams, s.next_sync_at`,
  from: table('sync_run', 's'),
  scope: tenant('s'),
  idExpression: 's.id',
  createdExpression: 's.started_at',
  sortColumns: [{ name: 'startedAt', expression: 's.started_at', sqlType: 'timestamptz' }],
  defaultSort: '-startedAt',
  statusExpression: 's.status',
  map: (row) => ({
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
  }),
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
  ],
};
