import { Migration } from '@mikro-orm/migrations';

/**
 * Columns every record synced from PartnerStack carries. Our id is derived from (tenant, kind, external key),
 * so it is stable across syncs and rebuilds. `last_removal_seen_at` is the newest removal event seen; the row
 * counts as removed upstream (`removed_upstream_at`) only while that removal is newer than the newest fetch.
 */
function syncedTable(name: string, columns: string[]): string {
  return `create table domain.${name} (
  id uuid primary key,
  tenant_id text not null,
  external_key text not null,
  ${columns.map((column) => `${column},`).join('\n  ')}
  source_created_at timestamptz null,
  source_updated_at timestamptz null,
  last_fetched_at timestamptz not null,
  last_removal_seen_at timestamptz null,
  removed_upstream_at timestamptz null,
  raw jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint ${name}_tenant_external_key_unique unique (tenant_id, external_key)
);`;
}

function index(table: string, columns: string[], suffix = columns.join('_')): string {
  return `create index ${table}_${suffix}_index on domain.${table} (${columns.join(', ')});`;
}

function reference(table: string, column: string, target: string): string {
  return `alter table domain.${table} add constraint ${table}_${column}_foreign foreign key (${column}) references domain.${target} (id) on delete set null;`;
}

export class Migration20261125063000DomainModel extends Migration {
  override async up(): Promise<void> {
    this.addSql('create schema if not exists domain;');

    this.addSql(
      syncedTable('program', [
        'source_id bigint null',
        'name text null',
        'marketplace_program_key text null',
        'marketplace_program_id uuid null',
      ]),
    );

    this.addSql(
      syncedTable('marketplace_program', [
        'source_id bigint null',
        'name text null',
        'description text null',
        "categories text[] not null default '{}'",
        'country text null',
        'website text null',
        'logo text null',
        'has_sub_id boolean null',
        "offers jsonb not null default '[]'",
        "promotions jsonb not null default '[]'",
      ]),
    );

    this.addSql(
      syncedTable('partnership', [
        'program_key text null',
        'program_id uuid null',
        'status text null',
        'claimed boolean null',
        'archived boolean not null default false',
        'has_sub_id boolean null',
        'group_key text null',
        'group_name text null',
        'group_slug text null',
        'referral_link_url text null',
        'team_key text null',
        'team_name text null',
      ]),
    );

    this.addSql(`create table domain.commission_rule (
  id uuid primary key,
  tenant_id text not null,
  partnership_id uuid not null references domain.partnership (id) on delete cascade,
  position integer not null,
  kind text not null,
  source_type text null,
  rate numeric null,
  currency text null,
  description text null,
  raw jsonb not null,
  created_at timestamptz not null default now(),
  constraint commission_rule_partnership_position_unique unique (partnership_id, position)
);`);

    this.addSql(syncedTable('contact', ['email text not null', 'name text null']));

    this.addSql(
      syncedTable('account', [
        'name text null',
        'name_normalized text null',
        'vendor_customer_key text null',
        'country_iso text null',
        'contact_email text null',
        'contact_id uuid null',
      ]),
    );

    this.addSql(
      syncedTable('referral', [
        'partnership_key text null',
        'partnership_id uuid null',
        'program_key text null',
        'program_id uuid null',
        'account_id uuid null',
        'contact_email text null',
        'contact_id uuid null',
        "status text not null default 'referred'",
        'has_paid boolean null',
        'archived boolean not null default false',
        "sub_ids text[] not null default '{}'",
        'shared_id text null',
        'first_referred_at timestamptz null',
        'converted_at timestamptz null',
      ]),
    );

    this.addSql(
      syncedTable('billing_record', [
        'amount bigint not null',
        'currency text not null',
        'amount_usd bigint null',
        'product_key text null',
        'category_key text null',
        'refunded boolean not null default false',
        'approved boolean null',
        'partnership_key text null',
        'partnership_id uuid null',
        'program_key text null',
        'program_id uuid null',
        'customer_key text null',
        'referral_id uuid null',
        "sub_ids text[] not null default '{}'",
      ]),
    );

    this.addSql(
      syncedTable('payout', [
        'source_id text null',
        'amount bigint not null',
        'currency text not null',
        'status text null',
        'provider_type text null',
        'sent_at timestamptz null',
        'withdrawal_date timestamptz null',
      ]),
    );

    this.addSql(
      syncedTable('reward', [
        'amount bigint not null',
        'currency text not null',
        'description text null',
        'reward_status text null',
        'payment_status text null',
        'decline_reason text null',
        'withdrawn boolean null',
        'recurrence text not null',
        'source_type text null',
        'source_key text null',
        'creation_source text null',
        'payment_date timestamptz null',
        'ready_at timestamptz null',
        'partnership_key text null',
        'partnership_id uuid null',
        'program_key text null',
        'program_id uuid null',
        'customer_key text null',
        'referral_id uuid null',
        'billing_record_key text null',
        'billing_record_id uuid null',
        'payout_ref text null',
        'payout_id uuid null',
      ]),
    );

    this.addSql(
      syncedTable('action', [
        'action_type text null',
        'value numeric null',
        'archived boolean not null default false',
        'partnership_key text null',
        'partnership_id uuid null',
        'program_key text null',
        'program_id uuid null',
        'customer_key text null',
        'referral_id uuid null',
      ]),
    );

    this.addSql(
      syncedTable('deal', [
        'vendor_external_key text null',
        'account_name text null',
        'account_name_normalized text null',
        'account_id uuid null',
        'amount bigint null',
        'currency text null',
        'close_date date null',
        'contact_first_name text null',
        'contact_last_name text null',
        'stage text null',
        'lost_reason text null',
        'deal_source text null',
        'group_key text null',
        'partner_key text null',
      ]),
    );

    this.addSql(
      syncedTable('lead', [
        'vendor_external_key text null',
        'status text null',
        'approved boolean null',
        'amount bigint null',
        'currency text null',
        'account_name text null',
        'account_name_normalized text null',
        'customer_key text null',
        'account_id uuid null',
        'group_key text null',
        'partner_key text null',
      ]),
    );

    this.addSql(`create table domain.status_observation (
  tenant_id text not null,
  entity_kind text not null,
  entity_external_key text not null,
  field text not null,
  source_time timestamptz not null,
  value text null,
  entity_id uuid not null,
  observed_at timestamptz not null,
  constraint status_observation_unique unique nulls not distinct
    (tenant_id, entity_kind, entity_external_key, field, source_time, value)
);`);

    this.addSql(`create table domain.status_history (
  id uuid primary key default gen_random_uuid(),
  tenant_id text not null,
  entity_kind text not null,
  entity_id uuid not null,
  entity_external_key text not null,
  field text not null,
  from_value text null,
  to_value text null,
  source_time timestamptz not null,
  observed_at timestamptz not null,
  constraint status_history_unique unique nulls not distinct
    (tenant_id, entity_kind, entity_external_key, field, source_time, to_value)
);`);

    this.addSql(`create table domain.pending_removal (
  tenant_id text not null,
  entity_kind text not null,
  external_key text not null,
  removed_at timestamptz not null,
  primary key (tenant_id, entity_kind, external_key)
);`);

    this.addSql(`create table domain.sync_run (
  id uuid primary key,
  tenant_id text not null,
  external_key text not null,
  connection_id text not null,
  mode text not null,
  status text not null,
  started_at timestamptz not null,
  finished_at timestamptz null,
  records_fetched integer null,
  records_emitted integer null,
  error text null,
  streams jsonb not null default '[]',
  next_sync_at timestamptz null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint sync_run_tenant_external_key_unique unique (tenant_id, external_key)
);`);

    for (const statement of [
      reference('program', 'marketplace_program_id', 'marketplace_program'),
      reference('partnership', 'program_id', 'program'),
      reference('account', 'contact_id', 'contact'),
      reference('referral', 'partnership_id', 'partnership'),
      reference('referral', 'program_id', 'program'),
      reference('referral', 'account_id', 'account'),
      reference('referral', 'contact_id', 'contact'),
      reference('billing_record', 'partnership_id', 'partnership'),
      reference('billing_record', 'program_id', 'program'),
      reference('billing_record', 'referral_id', 'referral'),
      reference('reward', 'partnership_id', 'partnership'),
      reference('reward', 'program_id', 'program'),
      reference('reward', 'referral_id', 'referral'),
      reference('reward', 'billing_record_id', 'billing_record'),
      reference('reward', 'payout_id', 'payout'),
      reference('action', 'partnership_id', 'partnership'),
      reference('action', 'program_id', 'program'),
      reference('action', 'referral_id', 'referral'),
      reference('deal', 'account_id', 'account'),
      reference('lead', 'account_id', 'account'),
    ])
      this.addSql(statement);

    for (const statement of [
      // Lists and reports: newest first per tenant, filtered by program and status.
      index('partnership', ['tenant_id', 'program_id']),
      index('referral', ['tenant_id', 'source_created_at']),
      index('referral', ['tenant_id', 'program_id']),
      index('referral', ['tenant_id', 'status']),
      index('billing_record', ['tenant_id', 'source_created_at']),
      index('billing_record', ['tenant_id', 'program_id']),
      index('billing_record', ['tenant_id', 'referral_id']),
      index('reward', ['tenant_id', 'source_created_at']),
      index('reward', ['tenant_id', 'program_id']),
      index('reward', ['tenant_id', 'reward_status']),
      index('reward', ['tenant_id', 'referral_id']),
      index('reward', ['tenant_id', 'billing_record_id']),
      index('reward', ['tenant_id', 'payout_id']),
      index('payout', ['tenant_id', 'source_created_at']),
      index('action', ['tenant_id', 'source_created_at']),
      index('deal', ['tenant_id', 'source_created_at']),
      index('lead', ['tenant_id', 'source_created_at']),
      index('status_history', ['tenant_id', 'entity_id', 'source_time']),
      index('sync_run', ['tenant_id', 'started_at']),
      // Late linking: find the records that wait for a target that has just arrived.
      index('program', ['tenant_id', 'marketplace_program_key']),
      index('partnership', ['tenant_id', 'program_key']),
      index('account', ['tenant_id', 'contact_email']),
      index('account', ['tenant_id', 'name_normalized']),
      index('referral', ['tenant_id', 'partnership_key']),
      index('referral', ['tenant_id', 'program_key']),
      index('referral', ['tenant_id', 'contact_email']),
      index('billing_record', ['tenant_id', 'partnership_key']),
      index('billing_record', ['tenant_id', 'program_key']),
      index('billing_record', ['tenant_id', 'customer_key']),
      index('reward', ['tenant_id', 'partnership_key']),
      index('reward', ['tenant_id', 'program_key']),
      index('reward', ['tenant_id', 'customer_key']),
      index('reward', ['tenant_id', 'billing_record_key']),
      index('reward', ['tenant_id', 'payout_ref']),
      index('payout', ['tenant_id', 'source_id']),
      index('action', ['tenant_id', 'partnership_key']),
      index('action', ['tenant_id', 'program_key']),
      index('action', ['tenant_id', 'customer_key']),
      index('deal', ['tenant_id', 'account_name_normalized']),
      index('lead', ['tenant_id', 'account_name_normalized']),
      index('lead', ['tenant_id', 'customer_key']),
    ])
      this.addSql(statement);

    // Replaced by the reporting service's aggregates migration; a no-op until then so the normalizer can call it.
    this.addSql(`create or replace function domain.refresh_tenant_aggregates(p_tenant_id text) returns void
language plpgsql as $$
begin
  perform p_tenant_id;
end
$$;`);

    // Roles are cluster-wide: another database (or a concurrent migration) may have created it already.
    this.addSql(`do $$
begin
  if not exists (select from pg_roles where rolname = 'pp_reporting_reader') then
    create role pp_reporting_reader login;
  end if;
exception when duplicate_object or unique_violation then null;
end
$$;`);
    this.addSql('grant usage on schema domain to pp_reporting_reader;');
    this.addSql('grant select on all tables in schema domain to pp_reporting_reader;');
    this.addSql('alter default privileges in schema domain grant select on tables to pp_reporting_reader;');
  }

  override async down(): Promise<void> {
    this.addSql('alter default privileges in schema domain revoke select on tables from pp_reporting_reader;');
    this.addSql('revoke all on all tables in schema domain from pp_reporting_reader;');
    this.addSql('revoke usage on schema domain from pp_reporting_reader;');
    this.addSql('drop function if exists domain.refresh_tenant_aggregates(text);');
    for (const table of [
      'sync_run',
      'pending_removal',
      'status_history',
      'status_observation',
      'lead',
      'deal',
      'action',
      'reward',
      'payout',
      'billing_record',
      'referral',
      'account',
      'contact',
      'commission_rule',
      'partnership',
      'program',
      'marketplace_program',
    ])
      this.addSql(`drop table if exists domain.${table} cascade;`);
  }
}
