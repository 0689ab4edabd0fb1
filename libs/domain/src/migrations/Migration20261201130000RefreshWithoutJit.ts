import { Migration } from '@mikro-orm/migrations';

/**
 * The rebuild's statements run with `enable_nestloop = off`, which adds the planner's disable cost to their estimates
 * and so pushes them past every JIT threshold: on a 20,000-reward tenant, JIT compilation took 586 ms of a 674 ms
 * statement and ~35 % of the whole refresh. Hash joins over one tenant's rows gain nothing from compiled expressions.
 */
export class Migration20261201130000RefreshWithoutJit extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter function domain.refresh_tenant_daily_aggregates(text) set jit = off;');
  }

  override async down(): Promise<void> {
    this.addSql('alter function domain.refresh_tenant_daily_aggregates(text) reset jit;');
  }
}
