import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** The earliest time an org may take an action again (e.g. one full sync an hour). */
@Entity({ schema: 'credentials', tableName: 'action_cooldown' })
export class ActionCooldown {
  @PrimaryKey({ type: 'text' })
  tenantId!: string;

  @PrimaryKey({ type: 'text' })
  action!: string;

  @Property({ type: 'timestamptz' })
  allowedAgainAt!: Date;
}
