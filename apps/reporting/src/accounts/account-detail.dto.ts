import { ApiProperty } from '@nestjs/swagger';

import { Money } from '../common/money';
import { ProgramRef } from '../common/program-ref';
import { DealDto } from '../deals/deals.list';
import { LeadDto } from '../leads/leads.list';
import { ContactRef, ReferralDto } from '../referrals/referrals.list';
import { AccountDto } from './accounts.list';

/** Money of an account's records PartnerStack still returns; refunded transactions apart, never in revenue. */
export class AccountMoneyDto {
  @ApiProperty({ type: [Money], description: 'Unrefunded transactions, per currency' }) revenue!: Money[];
  @ApiProperty({ type: [Money], description: 'Refunded transactions, per currency (not in revenue)' })
  refunds!: Money[];
  @ApiProperty({ type: [Money], description: 'Rewards of every status, per currency' }) rewards!: Money[];
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Unrefunded transactions' }) transactions!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) rewardCount!: number;
}

export class AccountProgramMoneyDto extends AccountMoneyDto {
  @ApiProperty({ type: ProgramRef, nullable: true, description: 'null for records not (yet) linked to a program' })
  program!: ProgramRef | null;
}

export class AccountTotalsDto extends AccountMoneyDto {
  @ApiProperty({ type: [AccountProgramMoneyDto], description: 'The same per program, by program externalKey' })
  byProgram!: AccountProgramMoneyDto[];
}

export class AccountDetailDto extends AccountDto {
  @ApiProperty({ type: [ReferralDto], description: 'In every program, newest first, removed ones included' })
  referrals!: ReferralDto[];
  @ApiProperty({ type: [ContactRef], description: "The account's contact and its referrals' contacts, by e-mail" })
  contacts!: ContactRef[];
  @ApiProperty({ type: AccountTotalsDto }) totals!: AccountTotalsDto;
  @ApiProperty({ type: [DealDto], description: 'Linked to the account, newest first, removed ones included' })
  deals!: DealDto[];
  @ApiProperty({ type: [LeadDto], description: 'Linked to the account, newest first, removed ones included' })
  leads!: LeadDto[];
}
