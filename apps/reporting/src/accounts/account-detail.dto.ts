import { ApiProperty } from '@nestjs/swagger';

import { MATCHED_BY, MatchedBy } from '@pp/domain';

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

/** One PartnerStack customer's own account, of those matched into the client account. */
export class CustomerAccountDto {
  @ApiProperty({ format: 'uuid', description: 'Its own id: GET /v1/accounts/{id} answers with this client account' })
  id!: string;
  @ApiProperty({ description: "PartnerStack's customer key" }) externalKey!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) removedUpstreamAt!: string | null;
}

/** One change of the client account a customer account belongs to: a merge, or a split back. */
export class AccountMatchChangeDto {
  @ApiProperty({ format: 'uuid', description: 'The customer account that moved' }) accountId!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'null for its first match' })
  fromClientAccountId!: string | null;
  @ApiProperty({ format: 'uuid' }) toClientAccountId!: string;
  @ApiProperty({ enum: MATCHED_BY }) matchedBy!: MatchedBy;
  @ApiProperty({ type: [String] }) matchKeys!: string[];
  @ApiProperty() changedAt!: string;
}

export class AccountDetailDto extends AccountDto {
  @ApiProperty({
    type: [CustomerAccountDto],
    description: 'The customer accounts matched into this client account, itself included, by externalKey',
  })
  customerAccounts!: CustomerAccountDto[];
  @ApiProperty({
    type: [AccountMatchChangeDto],
    description: 'How its customer accounts came together (and any left), oldest first',
  })
  matchHistory!: AccountMatchChangeDto[];
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
