import { ApiProperty } from '@nestjs/swagger';

import { CONNECTION_STATUSES, SYNC_RUN_STATUSES } from '@pp/contracts';

export class LastSyncDto {
  @ApiProperty() public id!: string;
  @ApiProperty({ enum: SYNC_RUN_STATUSES }) public status!: (typeof SYNC_RUN_STATUSES)[number];
  @ApiProperty({ type: String, format: 'date-time' }) public startedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) public finishedAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) public recordsFetched!: number | null;
  @ApiProperty({ type: String, nullable: true }) public error!: string | null;
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
}

export class SyncRequestedDto {
  @ApiProperty() public syncRunId!: string;
}
