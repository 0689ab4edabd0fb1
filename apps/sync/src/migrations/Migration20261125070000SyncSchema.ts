import { Migration } from '@mikro-orm/migrations';

export class Migration20261125070000SyncSchema extends Migration {
  public override async up(): Promise<void> {
    this.addSql(`
      create table sync.connection (
        id text primary key,
        ref serial not null unique,
        tenant_id text not null,
        status text not null check (status in ('connected', 'invalid', 'disconnected')),
        status_changed_at timestamptz not null,
        last_enqueued_at timestamptz,
        last_success_at timestamptz,
        last_full_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    this.addSql(`create index connection_due_idx on sync.connection (last_enqueued_at) where status = 'connected'`);

    this.addSql(`
      create table sync.run (
        id text primary key,
        connection_id text not null references sync.connection (id) on delete cascade,
        tenant_id text not null,
        correlation_id text not null,
        reason text not null,
        mode text not null check (mode in ('incremental', 'full')),
        status text not null check (status in ('queued', 'running', 'succeeded', 'partial', 'failed')),
        attempts integer not null default 0,
        worker text,
        queued_at timestamptz not null default now(),
        dispatched_at timestamptz not null default now(),
        started_at timestamptz,
        finished_at timestamptz,
        records_fetched bigint not null default 0,
        records_emitted bigint not null default 0,
        error text
      )`);
    // The dedupe: at most one queued or running run per connection, whatever enqueues it.
    this.addSql(
      `create unique index run_one_active_per_connection on sync.run (connection_id) where status in ('queued', 'running')`,
    );
    this.addSql(`create index run_connection_recent_idx on sync.run (connection_id, queued_at desc)`);

    this.addSql(`
      create table sync.run_stream (
        run_id text not null references sync.run (id) on delete cascade,
        stream text not null,
        status text not null check (status in ('pending', 'running', 'succeeded', 'failed', 'unavailable', 'skipped')),
        fetched integer not null default 0,
        emitted integer not null default 0,
        unchanged integer not null default 0,
        removed integer not null default 0,
        api_calls integer not null default 0,
        rate_limited integer not null default 0,
        errors integer not null default 0,
        error text,
        primary key (run_id, stream)
      )`);

    this.addSql(`
      create table sync.stream_state (
        connection_id text not null references sync.connection (id) on delete cascade,
        stream text not null,
        watermark bigint,
        full_seq integer not null default 0,
        last_full_at timestamptz,
        unavailable_at timestamptz,
        pass jsonb,
        updated_at timestamptz not null default now(),
        primary key (connection_id, stream)
      )`);

    // One row per synced record: compact on purpose (int connection ref, smallint stream, 8-byte hash).
    this.addSql(`
      create table sync.record_state (
        connection_ref integer not null,
        stream smallint not null,
        key text not null,
        updated_at bigint,
        hash bytea not null,
        seen integer not null,
        primary key (connection_ref, stream, key)
      ) with (fillfactor = 90)`);

    this.addSql(
      `create table sync.leader_lease (name text primary key, holder text not null, expires_at timestamptz not null)`,
    );
    this.addSql(`
      create table sync.org_lease (
        connection_id text primary key,
        holder text not null,
        run_id text not null,
        expires_at timestamptz not null
      )`);
    this.addSql(`
      create table sync.request_pacer (
        fingerprint text primary key,
        tokens double precision not null,
        refilled_at timestamptz not null
      )`);
  }
}
