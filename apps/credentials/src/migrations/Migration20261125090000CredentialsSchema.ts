import { Migration } from '@mikro-orm/migrations';

export class Migration20261125090000CredentialsSchema extends Migration {
  public override async up(): Promise<void> {
    this.addSql(`create schema if not exists credentials`);

    // One PartnerStack connection per org; the row outlives a disconnect so its id (and the synced data) stay.
    this.addSql(`
      create table credentials.connection (
        id uuid primary key,
        tenant_id text not null unique,
        status text not null check (status in ('connected', 'invalid', 'disconnected')),
        status_reason text,
        token_hint text,
        connected_at timestamptz not null,
        token_stored_at timestamptz,
        last_validated_at timestamptz,
        disconnected_at timestamptz,
        status_changed_at timestamptz not null,
        last_sync_run_id text,
        last_sync_status text check (last_sync_status in ('running', 'succeeded', 'partial', 'failed')),
        last_sync_started_at timestamptz,
        last_sync_finished_at timestamptz,
        last_sync_records_fetched integer,
        last_sync_error text,
        running_sync_run_id text,
        pending_sync_run_id text,
        pending_sync_requested_at timestamptz,
        next_sync_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);

    // Secret material only, so that a disconnect deletes the row instead of blanking columns.
    this.addSql(`
      create table credentials.connection_token (
        connection_id uuid primary key references credentials.connection (id) on delete cascade,
        tenant_id text not null,
        key_id text not null,
        nonce bytea not null check (octet_length(nonce) = 12),
        ciphertext bytea not null,
        encrypted_at timestamptz not null default now()
      )`);
    this.addSql(`create index connection_token_key_id_idx on credentials.connection_token (key_id)`);

    this.addSql(`
      create table credentials.audit_event (
        id bigserial primary key,
        tenant_id text not null,
        connection_id uuid not null,
        action text not null,
        actor_user_id text,
        token_hint text,
        detail text,
        correlation_id text,
        occurred_at timestamptz not null default now()
      )`);
    this.addSql(`create index audit_event_tenant_idx on credentials.audit_event (tenant_id, id desc)`);

    // Fixed-window counters shared by every replica.
    this.addSql(`
      create table credentials.rate_limit_window (
        tenant_id text not null,
        action text not null,
        window_start timestamptz not null,
        hits integer not null,
        primary key (tenant_id, action, window_start)
      )`);
  }

  public override async down(): Promise<void> {
    this.addSql(`drop table if exists credentials.rate_limit_window`);
    this.addSql(`drop table if exists credentials.audit_event`);
    this.addSql(`drop table if exists credentials.connection_token`);
    this.addSql(`drop table if exists credentials.connection`);
  }
}
