import { Migration } from '@mikro-orm/migrations';

/**
 * The deployment-wide request budget: one bucket row every worker books against, and an index to count the tokens
 * that requested recently (each of those gets an equal share when the budget is contended).
 */
export class Migration20261202100000GlobalPacer extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table sync.global_pacer (
        name text primary key,
        tokens double precision not null,
        refilled_at timestamptz not null
      )`);
    this.addSql('create index request_pacer_recent_idx on sync.request_pacer (refilled_at);');
  }

  override async down(): Promise<void> {
    this.addSql('drop index sync.request_pacer_recent_idx;');
    this.addSql('drop table sync.global_pacer;');
  }
}
