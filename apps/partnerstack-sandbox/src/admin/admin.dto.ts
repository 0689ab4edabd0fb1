import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

import { IsPostbackUrl } from '../postbacks/postback-url';

export class FaultSettingsDto {
  @ApiPropertyOptional({ description: 'Requests per minute per token; null or 0 removes the limit' })
  @IsOptional()
  @IsInt()
  @Min(0)
  rateLimitPerMinute?: number | null;

  @ApiPropertyOptional({ description: 'Share (0..1) of requests answered with an error status' })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsNumber()
  @Min(0)
  @Max(1)
  errorRate?: number | null;

  @ApiPropertyOptional({ type: [Number], description: 'Statuses injected errors pick from (default 500, 502, 503)' })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsArray()
  @IsIn([500, 502, 503, 504], { each: true })
  errorStatuses?: number[] | null;

  @ApiPropertyOptional({ description: 'Added latency per request in ms' })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsInt()
  @Min(0)
  @Max(60_000)
  latencyMs?: number | null;

  @ApiPropertyOptional({ description: 'Share (0..1) of successful answers cut mid-body' })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsNumber()
  @Min(0)
  @Max(1)
  cutRate?: number | null;
}

export class ConfigureAgencyDto {
  @ApiPropertyOptional({
    description: 'Records of the agency, all streams together; changing it regenerates the agency',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20_000_000)
  records?: number;

  @ApiPropertyOptional({ description: 'true/false forces /deals on or off (403); null returns to the default' })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsBoolean()
  dealsVisible?: boolean | null;

  @ApiPropertyOptional({ description: 'As dealsVisible, for /leads' })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsBoolean()
  leadsVisible?: boolean | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      'Where postbacks go after each advance (action_created, reward_created); only loopback http(s) URLs; null: none',
  })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsString()
  @IsPostbackUrl()
  postbackUrl?: string | null;

  @ApiPropertyOptional({
    type: FaultSettingsDto,
    description: 'Faults for this token only; null fields fall back to the global ones',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => FaultSettingsDto)
  faults?: FaultSettingsDto;
}

export class AdvanceDto {
  @ApiPropertyOptional({ description: 'Days to move the agency clock forward' })
  @IsInt()
  @Min(1)
  @Max(3650)
  days!: number;
}
