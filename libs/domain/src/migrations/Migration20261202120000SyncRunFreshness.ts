import { Migration } from '@mikro-orm/migrations';

/**
 * Sync-run progress, merged runs and freshness (issue 12). The two partial indexes keep `/v1/summary` at one cheap
 * lookup each: `dataAsOf` is the newest start of a succeeded run, `freshness` the newest finished run that reported it.
 */
export class Migration20261202120000SyncRunFreshness extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table domain.sync_run
  add column progress jsonb null,
  add column freshness jsonb null,
  add column merged_into_sync_run_id text null;`);
    // A run's events update the runs folded into it: found by their target's key.
    this.addSql(`create index sync_run_merged_into_index on domain.sync_run (tenant_id, merged_into_sync_run_id)
  where merged_into_sync_run_id is not null;`);
    this.addSql(`create index sync_run_succeeded_started_index on domain.sync_run (tenant_id, started_at desc)
  where status = 'succeeded';`);
    this
      .addSql(`create index sync_run_freshness_finished_index on domain.sync_run (tenant_id, finished_at desc, id desc)
  where freshness is not null and finished_at is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index domain.sync_run_freshness_finished_index;');
    this.addSql('drop index domain.sync_run_succeeded_started_index;');
    this.addSql('drop index domain.sync_run_merged_into_index;');
    this.addSql(`alter table domain.sync_run
  drop column merged_into_sync_run_id,
  drop column freshness,
  drop column progress;`);
  }
}
