import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX } from '../credentials.constants';
import { AUDIT_ACTIONS } from './audit.repository';

export class AuditQueryDto {
  @ApiPropertyOptional({ default: AUDIT_PAGE_DEFAULT, maximum: AUDIT_PAGE_MAX })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(AUDIT_PAGE_MAX)
  public limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[0-9]{1,19}$/, { message: 'cursor must be a nextCursor returned by this endpoint' })
  public cursor?: string;
}

export class AuditEntryDto {
  @ApiProperty() public id!: string;
  @ApiProperty({ enum: AUDIT_ACTIONS })
  public action!: string;
  @ApiProperty({ type: String, nullable: true, description: 'user id (JWT sub); null for system changes' })
  public actorUserId!: string | null;
  @ApiProperty({ type: String, nullable: true }) public tokenHint!: string | null;
  @ApiProperty({ type: String, nullable: true }) public detail!: string | null;
  @ApiProperty({ type: String, nullable: true }) public correlationId!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) public occurredAt!: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] }) public data!: AuditEntryDto[];
  @ApiProperty({ type: String, nullable: true }) public nextCursor!: string | null;
}
