import { ApiProperty } from '@nestjs/swagger';

import { AccountRef, ReferralDto } from '../referrals/referrals.list';
import { ContactDto } from './contacts.list';

export class ContactDetailDto extends ContactDto {
  @ApiProperty({ type: [ReferralDto], description: 'In every program, newest first, removed ones included' })
  referrals!: ReferralDto[];
  @ApiProperty({
    type: [AccountRef],
    description: 'The client accounts of its referrals and of those it is the contact of, by name',
  })
  accounts!: AccountRef[];
}
