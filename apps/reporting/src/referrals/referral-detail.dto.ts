import { ApiProperty } from '@nestjs/swagger';

import { ApiExtensibleEnum } from '../common/partnerstack-values.dto';
import { RewardDto } from '../rewards/rewards.list';
import { TransactionDto } from '../transactions/transactions.list';
import { REFERRAL_STATUSES, ReferralDto } from './referrals.list';

/** Fields of a referral whose changes are kept (the normalizer observes them). */
export const REFERRAL_HISTORY_FIELDS = ['status'] as const;

export class StatusChangeDto {
  @ApiExtensibleEnum(REFERRAL_HISTORY_FIELDS, { description: 'The field that changed; more may be tracked later' })
  field!: string;
  // Open although the statuses are ours: history keeps values an older mapping wrote.
  @ApiExtensibleEnum(REFERRAL_STATUSES, {
    nullable: true,
    description: 'The value before; null for the first one seen',
  })
  from!: string | null;
  @ApiExtensibleEnum(REFERRAL_STATUSES, { nullable: true, description: 'The value after' })
  to!: string | null;
  @ApiProperty({ format: 'date-time', description: "When it changed, by PartnerStack's clock" }) at!: string;
}

export class ReferralDetailDto extends ReferralDto {
  @ApiProperty({ type: [StatusChangeDto], description: 'Oldest first' }) statusHistory!: StatusChangeDto[];
  @ApiProperty({ type: [TransactionDto], description: 'Newest first, removed ones included' })
  transactions!: TransactionDto[];
  @ApiProperty({ type: [RewardDto], description: 'Newest first, removed ones included' }) rewards!: RewardDto[];
}
