import { ApiProperty } from '@nestjs/swagger';

import { CommissionRuleDto } from './programs.list';

export const OFFER_VALID_FROM_BASES = ['offer_created_at', 'first_version'] as const;
export type OfferValidFromBasis = (typeof OFFER_VALID_FROM_BASES)[number];

/** One version of an offer: PartnerStack changes an offer by replacing it, so each set of terms is a version. */
export class OfferVersionDto extends CommissionRuleDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String, description: "PartnerStack's offer key, when it gives one" })
  offerKey!: string | null;
  @ApiProperty({ type: 'integer', description: "Its place in the partnership's offers" }) position!: number;
  @ApiProperty({ description: 'When it came into force' }) validFrom!: string;
  @ApiProperty({
    enum: OFFER_VALID_FROM_BASES,
    description:
      "offer_created_at: the offer's own creation time; first_version: the first partnership version we saw with it (it may be older)",
  })
  validFromBasis!: OfferValidFromBasis;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'When it was replaced or withdrawn (the first partnership version seen without it); null while in force',
  })
  validTo!: string | null;
  @ApiProperty() inForce!: boolean;
  @ApiProperty({ description: 'When we first fetched it' }) firstSeenAt!: string;
}

export class ProgramOffersDto {
  @ApiProperty({ format: 'uuid' }) programId!: string;
  @ApiProperty({
    type: [OfferVersionDto],
    description:
      'Oldest first. A transaction older than the first version is judged by it, for want of an older one (missed rewards say so)',
  })
  offers!: OfferVersionDto[];
}
