import { Migration } from '@mikro-orm/migrations';

/** The normalizer's outbox of insight events (issue 15): see the `InsightOutbox` entity. */
export class Migration20261204150000InsightOutbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table domain.insight_outbox (
  id uuid not null default gen_random_uuid(),
  tenant_id text not null,
  idempotency_key text not null,
  routing_key text not null,
  payload jsonb not null,
  correlation_id text null,
  occurred_at timestamptz not null,
  suppressed boolean not null default false,
  created_at timestamptz not null default now(),
  published_at timestamptz null,
  constraint insight_outbox_pkey primary key (id),
  constraint insight_outbox_tenant_idempotency_key_unique unique (tenant_id, idempotency_key)
);`);
    this.addSql(`create index insight_outbox_unsent_index on domain.insight_outbox (created_at)
    where published_at is null and not suppressed;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table domain.insight_outbox;');
  }
}
