import { Migration } from '@mikro-orm/migrations';

/**
 * Every requested run id reaches an outcome. A request that cannot run on its own is kept either as the
 * connection's single follow-up run (asked for while a run is going; enqueued under its own id when that run ends)
 * or as an alias in `sync.run_request` of the run whose outcome is its outcome (or of its immediate failure).
 * The follow-up replaces `full_sync_requested_at`, which only remembered that a full run was wanted.
 */
export class Migration20261202110000RequestedRuns extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table sync.connection
        add column follow_up_run_id text,
        add column follow_up_mode text check (follow_up_mode in ('incremental', 'full')),
        add column follow_up_reason text,
        add column follow_up_correlation_id text,
        add column follow_up_requested_at timestamptz,
        add constraint connection_follow_up_whole check (
          num_nulls(follow_up_run_id, follow_up_mode, follow_up_reason, follow_up_correlation_id,
                    follow_up_requested_at) in (0, 5))`);
    this.addSql(`
      update sync.connection
      set follow_up_run_id = gen_random_uuid()::text, follow_up_mode = 'full', follow_up_reason = 'manual',
        follow_up_correlation_id = gen_random_uuid()::text, follow_up_requested_at = full_sync_requested_at
      where full_sync_requested_at is not null`);
    this.addSql('alter table sync.connection drop column full_sync_requested_at');

    this.addSql(`
      create table sync.run_request (
        requested_id text primary key,
        connection_id text not null references sync.connection (id) on delete cascade,
        tenant_id text not null,
        correlation_id text not null,
        mode text not null check (mode in ('incremental', 'full')),
        run_id text,
        error text,
        requested_at timestamptz not null default now(),
        check ((run_id is null) <> (error is null))
      )`);
    this.addSql('create index run_request_run_idx on sync.run_request (run_id)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table sync.run_request');
    this.addSql('alter table sync.connection add column full_sync_requested_at timestamptz');
    this.addSql(`
      update sync.connection set full_sync_requested_at = follow_up_requested_at where follow_up_mode = 'full'`);
    this.addSql(`
      alter table sync.connection drop constraint connection_follow_up_whole,
        drop column follow_up_run_id, drop column follow_up_mode, drop column follow_up_reason,
        drop column follow_up_correlation_id, drop column follow_up_requested_at`);
  }
}
