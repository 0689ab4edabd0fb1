import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/**
 * An insight event (`insight.*` in the catalogue) the normalizer derived from a change, written in the transaction
 * that recorded the change and published after it committed. The idempotency key is derived from the change itself,
 * so a replayed page or a full reconcile derives the same key again and adds nothing. A fact derived before the
 * tenant's first sync finished is `suppressed`: it is the state the agency starts from, not a change, and is kept
 * only so that no later re-sync announces it.
 */
@Entity({ schema: 'domain', tableName: 'insight_outbox' })
@Unique({ name: 'insight_outbox_tenant_idempotency_key_unique', properties: ['tenantId', 'idempotencyKey'] })
@Index({
  name: 'insight_outbox_unsent_index',
  expression: `create index insight_outbox_unsent_index on domain.insight_outbox (created_at)
    where published_at is null and not suppressed`,
})
export class InsightOutbox {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  @Property({ type: 'text' })
  idempotencyKey!: string;

  @Property({ type: 'text' })
  routingKey!: string;

  @Property({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  /** The correlation id of the sync whose data showed the change, when one did. */
  @Property({ type: 'text', nullable: true })
  correlationId!: string | null;

  /** When the change happened (PartnerStack's time where it gives one). */
  @Property({ type: 'timestamptz' })
  occurredAt!: Date;

  @Property({ type: 'boolean', default: false })
  suppressed!: boolean;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
