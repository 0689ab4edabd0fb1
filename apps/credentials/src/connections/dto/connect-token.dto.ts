import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class ConnectTokenDto {
  @ApiProperty({ description: 'PartnerStack API token of the agency (write-only: never returned)', writeOnly: true })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString({ message: 'token must be a string: paste the PartnerStack API token' })
  @MinLength(8, { message: 'token is too short to be a PartnerStack API token' })
  @MaxLength(512, { message: 'token is too long to be a PartnerStack API token' })
  @Matches(/^[\x21-\x7e]+$/, { message: 'token may not contain spaces or non-printable characters' })
  public token!: string;
}
