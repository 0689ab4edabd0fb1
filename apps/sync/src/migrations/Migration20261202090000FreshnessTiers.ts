import { Migration } from '@mikro-orm/migrations';

/**
 * What the freshness tiers need to know of each synced record without storing the record itself:
 * - `created_at`, so a warm pass (a re-read of the last N days) can tell a record it did not see inside its window
 *   (removed upstream) from one simply older than the window;
 * - `touched`, the number of the last pass of its stream that returned it, so a pass knows what it did not see;
 * - for rewards, `open` (not yet in a final status, so it can still change), `status` (reward and payment status,
 *   so the open sweep also asks for statuses PartnerStack added later) and `ref` (its customer's key, the
 *   cheapest query that reads it back once it left the open statuses).
 * Existing rows keep nulls until a pass sees them again; until then only the daily full reconcile covers them.
 */
export class Migration20261202090000FreshnessTiers extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table sync.record_state
      add column created_at bigint,
      add column touched integer not null default 0,
      add column open boolean not null default false,
      add column status text,
      add column ref text`);
    // Departed-reward detection reads only the open rewards of one connection: a small partial index.
    this.addSql(`create index record_state_open_idx on sync.record_state (connection_ref, stream) where open`);
    this.addSql(`alter table sync.stream_state
      add column pass_seq integer not null default 0,
      add column last_pass_at timestamptz,
      add column last_warm_at timestamptz`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table sync.stream_state drop column pass_seq, drop column last_pass_at, drop column last_warm_at`,
    );
    this.addSql(`drop index sync.record_state_open_idx`);
    this.addSql(`alter table sync.record_state
      drop column created_at, drop column touched, drop column open, drop column status, drop column ref`);
  }
}
