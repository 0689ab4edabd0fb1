import { Migration } from '@mikro-orm/migrations';

/** Secondary indexes of the initial model that no reporting query, aggregate refresh or normalizer statement uses. */
const UNUSED_INDEXES: [table: string, columns: string[]][] = [
  ['billing_record', ['tenant_id', 'source_created_at']],
  ['billing_record', ['tenant_id', 'program_id']],
  ['reward', ['tenant_id', 'source_created_at']],
  ['reward', ['tenant_id', 'program_id']],
  // Covered by reward_report_status_created_index (tenant_id, reward_status, ...).
  ['reward', ['tenant_id', 'reward_status']],
];

/**
 * Link key columns whose index only serves to find rows still waiting for their target (late linking, and the
 * aggregates' `<id> is null and <key> = ...` fallbacks): partial on the unlinked rows, so rows linked on arrival
 * (nearly all of them) no longer maintain it.
 */
const UNLINKED_KEY_INDEXES: [table: string, keyColumn: string, idColumn: string][] = [
  ['referral', 'partnership_key', 'partnership_id'],
  ['referral', 'program_key', 'program_id'],
  ['referral', 'contact_email', 'contact_id'],
  ['billing_record', 'partnership_key', 'partnership_id'],
  ['billing_record', 'program_key', 'program_id'],
  ['billing_record', 'customer_key', 'referral_id'],
  ['reward', 'partnership_key', 'partnership_id'],
  ['reward', 'program_key', 'program_id'],
  ['reward', 'customer_key', 'referral_id'],
  ['reward', 'billing_record_key', 'billing_record_id'],
  ['action', 'partnership_key', 'partnership_id'],
  ['action', 'program_key', 'program_id'],
  ['action', 'customer_key', 'referral_id'],
];

function indexName(table: string, columns: string[]): string {
  return `domain.${table}_${columns.join('_')}_index`;
}

/** Fewer indexes to maintain per written row on the normalizer's busiest tables (see docs/normalizer.md, benchmark). */
export class Migration20261125140000LeanerWriteIndexes extends Migration {
  override async up(): Promise<void> {
    for (const [table, columns] of UNUSED_INDEXES) this.addSql(`drop index if exists ${indexName(table, columns)};`);
    for (const [table, keyColumn, idColumn] of UNLINKED_KEY_INDEXES) {
      const name = indexName(table, ['tenant_id', keyColumn]);
      this.addSql(`drop index if exists ${name};`);
      this.addSql(
        `create index ${name.slice('domain.'.length)} on domain.${table} (tenant_id, ${keyColumn}) where ${idColumn} is null;`,
      );
    }
  }

  override async down(): Promise<void> {
    for (const [table, keyColumn] of UNLINKED_KEY_INDEXES) {
      const name = indexName(table, ['tenant_id', keyColumn]);
      this.addSql(`drop index if exists ${name};`);
      this.addSql(`create index ${name.slice('domain.'.length)} on domain.${table} (tenant_id, ${keyColumn});`);
    }
    for (const [table, columns] of UNUSED_INDEXES)
      this.addSql(
        `create index ${indexName(table, columns).slice('domain.'.length)} on domain.${table} (${columns.join(', ')});`,
      );
  }
}
