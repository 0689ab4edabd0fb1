import { ApiProperty } from '@nestjs/swagger';

import {
  MessageCatalogue,
  PARTNERSTACK_STREAMS,
  PartnerStackStream,
  STREAM_RUN_STATUSES,
  StreamStats,
  SYNC_RUN_STATUSES,
  SYNC_TIERS,
  SyncTier,
} from '@pp/contracts';

/** The finished run's per-stream outcomes, read from the `sync.run.finished` schema so the two cannot drift. */
export const STREAM_OUTCOMES = MessageCatalogue['sync.run.finished'].payload.shape.streams.element.shape.status.options;

/** A run's status as reporting knows it: `queued` is a run merged into one that has not started yet. */
export const REPORTED_SYNC_RUN_STATUSES = ['queued', ...SYNC_RUN_STATUSES] as const;
export type ReportedSyncRunStatus = (typeof REPORTED_SYNC_RUN_STATUSES)[number];

export class StreamStatsDto {
  @ApiProperty({ enum: PARTNERSTACK_STREAMS }) stream!: PartnerStackStream;
  @ApiProperty({ enum: STREAM_OUTCOMES }) status!: StreamStats['status'];
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Records read from PartnerStack' }) fetched!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Records new or changed, passed on' }) emitted!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) unchanged!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Records PartnerStack no longer returns' }) removed!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) apiCalls!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Calls PartnerStack answered 429' }) rateLimited!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) errors!: number;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
}

export class StreamProgressDto {
  @ApiProperty({ enum: PARTNERSTACK_STREAMS }) stream!: PartnerStackStream;
  @ApiProperty({ enum: STREAM_RUN_STATUSES }) status!: (typeof STREAM_RUN_STATUSES)[number];
  @ApiProperty({ enum: SYNC_TIERS, nullable: true, description: 'Which part of the stream is being read' })
  tier!: SyncTier | null;
  @ApiProperty({ type: 'integer', minimum: 0 }) pages!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) fetched!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) emitted!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) removed!: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    nullable: true,
    description: 'Pages still to read where the sync can tell, otherwise null',
  })
  estimatedPagesLeft!: number | null;
  @ApiProperty({ format: 'date-time', description: 'When the sync reported this stream' }) reportedAt!: string;
}

export class SyncRunProgressDto {
  @ApiProperty({ format: 'date-time', description: 'The latest report of the run' }) reportedAt!: string;
  @ApiProperty({ type: [StreamProgressDto] }) streams!: StreamProgressDto[];
}

export class StreamFreshnessDto {
  @ApiProperty({ enum: PARTNERSTACK_STREAMS }) stream!: PartnerStackStream;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Every record created before this is in',
  })
  newRecordsAsOf!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Every change to a record created within the warm window is in as of this',
  })
  warmAsOf!: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    minimum: 0,
    description: 'Days before warmAsOf the warm window reaches',
  })
  warmWindowDays!: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Every change and removal of any record is in as of this (the last full reconcile)',
  })
  reconciledAt!: string | null;
}
