import { Migration } from '@mikro-orm/migrations';

export class Migration20261202160000SyncRequestsAndPostbacks extends Migration {
  public override async up(): Promise<void> {
    // Progress of the running run and per-stream freshness, as sync reports them; the debounce of postback syncs.
    this.addSql(`
      alter table credentials.connection
        add column last_sync_progress jsonb,
        add column last_sync_progress_run_id text,
        add column last_sync_progress_at timestamptz,
        add column freshness jsonb,
        add column freshness_as_of timestamptz,
        add column postback_sync_requested_at timestamptz,
        add column postback_sync_due_at timestamptz`);
    this.addSql(`
      create index connection_postback_due_idx on credentials.connection (postback_sync_due_at)
        where postback_sync_due_at is not null`);

    // Every run id credentials handed out, and what became of it: the run it is (or was merged into) and its outcome.
    this.addSql(`
      create table credentials.sync_request (
        id text primary key,
        tenant_id text not null,
        connection_id uuid not null references credentials.connection (id) on delete cascade,
        mode text not null check (mode in ('incremental', 'full')),
        reason text not null,
        run_id text not null,
        status text not null check (status in ('queued', 'running', 'succeeded', 'partial', 'failed')),
        requested_at timestamptz not null,
        finished_at timestamptz
      )`);
    this.addSql(
      `create index sync_request_connection_idx on credentials.sync_request (connection_id, requested_at desc)`,
    );
    this.addSql(`create index sync_request_run_idx on credentials.sync_request (connection_id, run_id)`);

    // Outcomes of runs as reported, so a merge that arrives after its target finished still learns the outcome.
    this.addSql(`
      create table credentials.sync_run_report (
        connection_id uuid not null references credentials.connection (id) on delete cascade,
        run_id text not null,
        tenant_id text not null,
        status text not null check (status in ('running', 'succeeded', 'partial', 'failed')),
        finished_at timestamptz,
        reported_at timestamptz not null default now(),
        primary key (connection_id, run_id)
      )`);
    this.addSql(`create index sync_run_report_reported_idx on credentials.sync_run_report (reported_at)`);

    // Secret material only (like connection_token), so revoking deletes the row; the hash is what postbacks look up.
    this.addSql(`
      create table credentials.postback_secret (
        connection_id uuid primary key references credentials.connection (id) on delete cascade,
        tenant_id text not null,
        lookup_hash bytea not null unique check (octet_length(lookup_hash) = 32),
        key_id text not null,
        nonce bytea not null check (octet_length(nonce) = 12),
        ciphertext bytea not null,
        encrypted_at timestamptz not null default now(),
        created_at timestamptz not null default now()
      )`);
    this.addSql(`create index postback_secret_key_id_idx on credentials.postback_secret (key_id)`);

    // One row per (org, action): the earliest time the action is allowed again (e.g. one full sync an hour).
    this.addSql(`
      create table credentials.action_cooldown (
        tenant_id text not null,
        action text not null,
        allowed_again_at timestamptz not null,
        primary key (tenant_id, action)
      )`);
  }

  public override async down(): Promise<void> {
    this.addSql(`drop table if exists credentials.action_cooldown`);
    this.addSql(`drop table if exists credentials.postback_secret`);
    this.addSql(`drop table if exists credentials.sync_run_report`);
    this.addSql(`drop table if exists credentials.sync_request`);
    this.addSql(`drop index if exists credentials.connection_postback_due_idx`);
    this.addSql(`
      alter table credentials.connection
        drop column if exists last_sync_progress, drop column if exists last_sync_progress_run_id,
        drop column if exists last_sync_progress_at, drop column if exists freshness,
        drop column if exists freshness_as_of, drop column if exists postback_sync_requested_at,
        drop column if exists postback_sync_due_at`);
  }
}
