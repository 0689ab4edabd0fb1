import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

import {
  CONNECTION_STATUSES,
  PARTNERSTACK_STREAMS,
  STREAM_RUN_STATUSES,
  SYNC_MODES,
  SYNC_REASONS,
  SYNC_RUN_STATUSES,
  SYNC_TIERS,
} from '@pp/contracts';

export class StreamProgressDto {
  @ApiProperty({ enum: PARTNERSTACK_STREAMS }) public stream!: (typeof PARTNERSTACK_STREAMS)[number];
  @ApiProperty({ enum: STREAM_RUN_STATUSES }) public status!: (typeof STREAM_RUN_STATUSES)[number];
  @ApiProperty({ enum: SYNC_TIERS, nullable: true }) public tier!: (typeof SYNC_TIERS)[number] | null;
  @ApiProperty() public pages!: number;
  @ApiProperty() public fetched!: number;
  @ApiProperty() public emitted!: number;
  @ApiProperty() public removed!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'pages still to read, where sync can tell' })
  public estimatedPagesLeft!: number | null;
}

export class SyncProgressDto {
  @ApiProperty({ type: [StreamProgressDto] }) public streams!: StreamProgressDto[];
  @ApiProperty({ type: String, format: 'date-time' }) public reportedAt!: string;
}

export class LastSyncDto {
  @ApiProperty() public id!: string;
  @ApiProperty({ enum: SYNC_RUN_STATUSES }) public status!: (typeof SYNC_RUN_STATUSES)[number];
  @ApiProperty({ type: String, format: 'date-time' }) public startedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) public finishedAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) public recordsFetched!: number | null;
  @ApiProperty({ type: String, nullable: true }) public error!: string | null;
  @ApiProperty({
    type: SyncProgressDto,
    nullable: true,
    description: 'the last progress sync reported for this run (contract extension); null when none',
  })
  public progress!: SyncProgressDto | null;
}

export const SYNC_REQUEST_STATUSES = ['queued', ...SYNC_RUN_STATUSES] as const;

export class LastRequestedSyncDto {
  @ApiProperty({ description: 'the id a PUT or POST /sync answered (or a postback requested)' })
  public syncRunId!: string;
  @ApiProperty({ description: 'the run it is, or was merged into; equal to syncRunId unless merged' })
  public runId!: string;
  @ApiProperty({ enum: SYNC_MODES }) public mode!: (typeof SYNC_MODES)[number];
  @ApiProperty({ enum: SYNC_REASONS }) public reason!: (typeof SYNC_REASONS)[number];
  @ApiProperty({ enum: SYNC_REQUEST_STATUSES }) public status!: (typeof SYNC_REQUEST_STATUSES)[number];
  @ApiProperty({ type: String, format: 'date-time' }) public requestedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) public finishedAt!: string | null;
}

export class StreamFreshnessDto {
  @ApiProperty({ enum: PARTNERSTACK_STREAMS }) public stream!: (typeof PARTNERSTACK_STREAMS)[number];
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'every record created before this is in',
  })
  public newRecordsAsOf!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'every change to a record created within the warm window is in as of this',
  })
  public warmAsOf!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'days before warmAsOf the warm window reaches back' })
  public warmWindowDays!: number | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'every change and removal of any record is in as of this (last full reconcile)',
  })
  public reconciledAt!: string | null;
}

export class IntegrationStatusDto {
  @ApiProperty({ enum: ['partnerstack'] }) public provider!: 'partnerstack';
  @ApiProperty({ enum: CONNECTION_STATUSES }) public status!: (typeof CONNECTION_STATUSES)[number];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'last four characters of the token; null once disconnected',
  })
  public tokenHint!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) public connectedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) public lastValidatedAt!: string | null;
  @ApiProperty({ type: LastSyncDto, nullable: true }) public lastSync!: LastSyncDto | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) public nextSyncAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'why the status is invalid, when it is' })
  public statusReason!: string | null;
  @ApiProperty({
    type: LastRequestedSyncDto,
    nullable: true,
    description:
      'the newest requested sync id (or the one asked for with ?syncRunId) and what became of it (contract extension)',
  })
  public lastRequestedSync!: LastRequestedSyncDto | null;
  @ApiProperty({
    type: [StreamFreshnessDto],
    description: 'per stream, how far each freshness tier is current (contract extension); empty until reported',
  })
  public freshness!: StreamFreshnessDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'the secret URL to configure as PartnerStack postback (contract extension); admins only, null for other members and once disconnected',
  })
  public postbackUrl!: string | null;
}

export class StatusQueryDto {
  @ApiPropertyOptional({
    description: 'show this requested sync id as lastRequestedSync (null if unknown) instead of the newest one',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  public syncRunId?: string;
}

export class SyncRequestedDto {
  @ApiProperty() public syncRunId!: string;
}

export class RequestSyncDto {
  @ApiPropertyOptional({
    enum: SYNC_MODES,
    default: 'incremental',
    description: 'full: re-read everything (at most once an hour per org)',
  })
  @IsOptional()
  @IsIn(SYNC_MODES, { message: `mode must be one of: ${SYNC_MODES.join(', ')}` })
  public mode?: (typeof SYNC_MODES)[number];
}

export class PostbackUrlDto {
  @ApiProperty({ description: 'the new secret postback URL; the previous one no longer works' })
  public postbackUrl!: string;
}
