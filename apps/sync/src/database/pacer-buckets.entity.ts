import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The request pacer's token buckets, booked only by PostgresRequestPacer's atomic statements. A token's bucket: its
 * balance (negative while requests are booked on credit) and when it was last refilled.
 */
@Entity({ schema: 'sync', tableName: 'request_pacer' })
@Index({ name: 'request_pacer_recent_idx', properties: ['refilledAt'] })
export class RequestPacerBucket {
  @PrimaryKey({ type: 'text' })
  fingerprint!: string;

  @Property({ type: 'double' })
  tokens!: number;

  @Property({ type: 'timestamptz' })
  refilledAt!: Date;
}

/** The deployment-wide budget every worker books against (one row). */
@Entity({ schema: 'sync', tableName: 'global_pacer' })
export class GlobalPacerBucket {
  @PrimaryKey({ type: 'text' })
  name!: string;

  @Property({ type: 'double' })
  tokens!: number;

  @Property({ type: 'timestamptz' })
  refilledAt!: Date;
}
