import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** One fixed window's count of an org's attempts at an action, shared by every replica. */
@Entity({ schema: 'credentials', tableName: 'rate_limit_window' })
export class RateLimitWindow {
  @PrimaryKey({ type: 'text' })
  tenantId!: string;

  @PrimaryKey({ type: 'text' })
  action!: string;

  @PrimaryKey({ type: 'timestamptz' })
  windowStart!: Date;

  @Property({ type: 'integer' })
  hits!: number;
}
