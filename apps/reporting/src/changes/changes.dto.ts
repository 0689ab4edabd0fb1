import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath, OmitType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';

import { COMMISSION_KINDS, CommissionKind, MISSED_REWARD_REASONS, MissedRewardReason } from '@pp/domain';

import { ListQueryDto } from '../common/list-query.dto';
import { Money } from '../common/money';
import { ApiPartnerStackValue, KNOWN_PAYOUT_STATUSES } from '../common/partnerstack-values.dto';
import { ProgramRef } from '../common/program-ref';
import { REFERRAL_STATUSES, ReferralStatus } from '../referrals/referrals.list';

/**
 * What the feed reports, each read from the table that already keeps it: a referral's creation, a change of a
 * status-like field (`status_history`, its first observation excepted: that is the record's creation), a payout's
 * creation, an offer version coming into force or ending (`commission_rule`), a missed reward detected or resolved
 * (`report_missed_reward_lifecycle`).
 */
export const CHANGE_KINDS = [
  'referral_created',
  'status_changed',
  'payout_created',
  'offer_started',
  'offer_ended',
  'missed_reward_detected',
  'missed_reward_resolved',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** The record a change is about, named as the API names it (a partnership is a program, a billing record a transaction). */
export const CHANGE_ENTITY_TYPES = [
  'program',
  'referral',
  'transaction',
  'reward',
  'payout',
  'deal',
  'lead',
  'offer',
  'missed_reward',
] as const;
export type ChangeEntityType = (typeof CHANGE_ENTITY_TYPES)[number];

/** What a missed reward is about: its PartnerStack key is the `externalKey` of the change's entity. */
export const MISSED_REWARD_RECORD_TYPES = ['transaction', 'reward', 'referral'] as const;
export type MissedRewardRecordType = (typeof MISSED_REWARD_RECORD_TYPES)[number];

/**
 * A date, or a date-time with its offset: without one a date-time would be read in the server's time zone. Years from
 * 1970 to 9999, so that nothing PostgreSQL or a JavaScript Date cannot hold reaches the query.
 */
const SINCE_FORMAT = /^(19[7-9]\d|[2-9]\d{3})-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** `kind=a&kind=b` and `kind=a,b` alike (and mixed): a list of trimmed names. */
const kindList = ({ value }: { value: unknown }) =>
  typeof value === 'string' || Array.isArray(value)
    ? ([] as unknown[]).concat(value).flatMap((item) => (typeof item === 'string' ? item.split(',') : [item]))
    : value;

/** No `from`/`to` (`since` is the range), `status`, `q` or `sort` (the feed is newest first): 400 if given. */
export class ChangesQueryDto extends OmitType(ListQueryDto, ['from', 'to', 'status', 'q', 'sort'] as const) {
  @ApiProperty({
    description:
      'Changes that occurred at or after this instant: an ISO date (its start, UTC) or a date-time with Z or an offset',
    example: '2026-11-01T00:00:00Z',
  })
  @IsISO8601({ strict: true })
  @Matches(SINCE_FORMAT, {
    message: 'since must be a date or a date-time with Z or an offset, between 1970 and 9999',
  })
  since!: string;

  @ApiPropertyOptional({
    enum: CHANGE_KINDS,
    isArray: true,
    description: 'Only these kinds: repeat the parameter (`kind=a&kind=b`) or separate them with commas',
  })
  @IsOptional()
  @Transform(kindList)
  @IsArray()
  @ArrayMaxSize(CHANGE_KINDS.length)
  @IsIn(CHANGE_KINDS, { each: true, message: `kind must be any of ${CHANGE_KINDS.join(', ')}` })
  kind?: ChangeKind[];
}

export class ChangeEntityDto {
  @ApiProperty({ enum: CHANGE_ENTITY_TYPES }) type!: ChangeEntityType;
  @ApiProperty({ format: 'uuid', description: 'Our id, as the list of its type gives it' }) id!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "PartnerStack's key; for a missed reward, the key of the record it is about (detail.record)",
  })
  externalKey!: string | null;
}

export class ReferralCreatedDetail {
  @ApiProperty({ enum: REFERRAL_STATUSES, description: 'Its status now' }) status!: ReferralStatus;
  @ApiProperty({ nullable: true, type: Boolean }) hasPaid!: boolean | null;
}

export class StatusChangedDetail {
  @ApiProperty({
    description:
      'The field that changed: status, archived (programs), status (referrals), refunded (transactions), ' +
      'reward_status and payment_status (rewards), status (payouts, leads), stage (deals)',
  })
  field!: string;
  @ApiProperty({ nullable: true, type: String, description: 'PartnerStack’s value before, as given' })
  from!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'PartnerStack’s value after, as given' })
  to!: string | null;
}

export class PayoutCreatedDetail {
  @ApiProperty({ type: Money }) amount!: Money;
  @ApiPartnerStackValue(KNOWN_PAYOUT_STATUSES, { description: "PartnerStack's payout status now", nullable: true })
  status!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) sentAt!: string | null;
}

export class OfferChangedDetail {
  @ApiProperty({ nullable: true, type: String, description: "PartnerStack's offer key, when it gives one" })
  offerKey!: string | null;
  @ApiProperty({ enum: COMMISSION_KINDS, description: 'How the offer pays' }) offerKind!: CommissionKind;
  @ApiProperty({ nullable: true, type: String, description: "PartnerStack's offer type, e.g. revenue_share" })
  sourceType!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Percent for revenue share, amount for flat offers' })
  rate!: number | null;
  @ApiProperty({ nullable: true, type: String }) currency!: string | null;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ format: 'date-time' }) validFrom!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Null while in force' })
  validTo!: string | null;
}

export class MissedRewardChangedDetail {
  @ApiProperty({ enum: MISSED_REWARD_REASONS }) reason!: MissedRewardReason;
  @ApiProperty({ enum: MISSED_REWARD_RECORD_TYPES, description: 'What it is about' })
  record!: MissedRewardRecordType;
  @ApiProperty({ type: Money, nullable: true, description: 'What the agency likely lost; null when unknown' })
  amountAtStake!: Money | null;
  @ApiProperty({
    type: Money,
    nullable: true,
    description: 'missed_reward_resolved: the reward PartnerStack created, or what its correction added',
  })
  recovered!: Money | null;
}

export const CHANGE_DETAIL_MODELS = [
  ReferralCreatedDetail,
  StatusChangedDetail,
  PayoutCreatedDetail,
  OfferChangedDetail,
  MissedRewardChangedDetail,
];

export type ChangeDetail =
  ReferralCreatedDetail | StatusChangedDetail | PayoutCreatedDetail | OfferChangedDetail | MissedRewardChangedDetail;

@ApiExtraModels(...CHANGE_DETAIL_MODELS)
export class ChangeDto {
  @ApiProperty({ description: 'Unique in the feed and stable: `<kind>:<our id of the row it is read from>`' })
  id!: string;
  @ApiProperty({ enum: CHANGE_KINDS }) kind!: ChangeKind;
  @ApiProperty({ format: 'date-time', description: 'When it happened, by PartnerStack’s times where it gives them' })
  occurredAt!: string;
  @ApiProperty({ type: ChangeEntityDto }) entity!: ChangeEntityDto;
  @ApiProperty({ type: ProgramRef, nullable: true, description: 'Null for deals, leads and payouts without one' })
  program!: ProgramRef | null;
  @ApiProperty({
    description:
      'By kind: referral_created ReferralCreatedDetail, status_changed StatusChangedDetail, payout_created ' +
      'PayoutCreatedDetail, offer_started and offer_ended OfferChangedDetail, missed_reward_detected and ' +
      'missed_reward_resolved MissedRewardChangedDetail',
    oneOf: CHANGE_DETAIL_MODELS.map((model) => ({ $ref: getSchemaPath(model) })),
  })
  detail!: ChangeDetail;
}
