import { ApiProperty } from '@nestjs/swagger';

import { Money } from '../common/money';
import { ProgramDto } from './programs.list';

export class ProgramStatsDto {
  @ApiProperty({ type: 'integer', minimum: 0 }) referrals!: number;
  @ApiProperty({ type: [Money], description: 'Unrefunded transactions, per currency' }) revenue!: Money[];
  @ApiProperty({ type: [Money], description: 'Refunded transactions, per currency (not in revenue)' })
  refunds!: Money[];
  @ApiProperty({ type: [Money], description: 'Rewards, per currency' }) rewards!: Money[];
}

export class ProgramDetailDto extends ProgramDto {
  @ApiProperty({ type: ProgramStatsDto }) stats!: ProgramStatsDto;
}
