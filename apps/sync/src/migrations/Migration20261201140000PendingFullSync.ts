import { Migration } from '@mikro-orm/migrations';

/**
 * A full sync requested while the connection has a run going is kept here until the scheduler can enqueue it,
 * instead of being dropped (one active run per connection stays the rule).
 */
export class Migration20261201140000PendingFullSync extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table sync.connection add column full_sync_requested_at timestamptz;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table sync.connection drop column full_sync_requested_at;');
  }
}
