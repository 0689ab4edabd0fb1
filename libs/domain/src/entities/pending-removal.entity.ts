import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A removal of a record not seen yet: it waits here and applies when the record arrives. */
@Entity({ schema: 'domain', tableName: 'pending_removal' })
export class PendingRemoval {
  @PrimaryKey({ type: 'text' })
  tenantId!: string;

  /** The table of the removed record (`reward`, `referral`, …). */
  @PrimaryKey({ type: 'text' })
  entityKind!: string;

  @PrimaryKey({ type: 'text' })
  externalKey!: string;

  /** The newest removal event seen for the record. */
  @Property({ type: 'timestamptz' })
  removedAt!: Date;
}
