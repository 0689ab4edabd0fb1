import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import { CREDENTIALS_ENTITIES } from '../../../apps/credentials/src/database/credentials-entities';
import { SYNC_ENTITIES } from '../../../apps/sync/src/database/sync-entities';
import { DOMAIN_ENTITIES } from '@pp/domain';
import { schemaDrift } from '@pp/persistence';
import { createTestDatabase } from '@pp/testing';

/** The action_cooldown table as an entity that has grown a column no migration adds. */
@Entity({ schema: 'credentials', tableName: 'action_cooldown' })
class ActionCooldownWithUnmigratedColumn {
  @PrimaryKey({ type: 'text' })
  tenantId!: string;

  @PrimaryKey({ type: 'text' })
  action!: string;

  @Property({ type: 'timestamptz' })
  allowedAgainAt!: Date;

  @Property({ type: 'text', nullable: true })
  grantedBy!: string | null;
}

/**
 * The report_payout_daily table as an entity whose index sorts days newest first, as no migration does. MikroORM
 * compares an index with an expression by name only; schemaDrift compares what PostgreSQL makes of the two.
 */
@Entity({ schema: 'domain', tableName: 'report_payout_daily' })
@Index({
  name: 'report_payout_daily_tenant_day_index',
  expression: 'create index report_payout_daily_tenant_day_index on domain.report_payout_daily (tenant_id, day desc)',
})
class ReportPayoutDailyNewestFirst {
  @PrimaryKey({ type: 'text' })
  tenantId!: string;

  @PrimaryKey({ type: 'text' })
  currency!: string;

  @PrimaryKey({ type: 'text', nullable: true })
  status!: string | null;

  @PrimaryKey({ type: 'boolean' })
  removed!: boolean;

  @PrimaryKey({ type: 'date' })
  day!: string;

  @Property({ type: new BigIntType('number') })
  records!: number;

  @Property({ type: new BigIntType('number') })
  amount!: number;
}

/** Each service's schema beside the entities that declare it; the schema test fails on any column either lacks. */
const OWNED_SCHEMAS = [
  { schema: 'credentials', entities: CREDENTIALS_ENTITIES },
  { schema: 'sync', entities: SYNC_ENTITIES },
  { schema: 'domain', entities: DOMAIN_ENTITIES },
];

describe('entities and migrations agree', () => {
  let database: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    database = await createTestDatabase('pp_schema');
  });
  afterAll(() => database.drop());

  it.each(OWNED_SCHEMAS)('$schema: no drift and no table without an entity', async ({ schema, entities }) => {
    const drift = await schemaDrift(database.url, schema, entities);
    expect(drift).toEqual({ statements: [], tablesWithoutEntity: [] });
  });

  it('reports a column that only an entity declares', async () => {
    const entities = [
      ...CREDENTIALS_ENTITIES.filter((entity) => entity.name !== 'ActionCooldown'),
      ActionCooldownWithUnmigratedColumn,
    ];
    const drift = await schemaDrift(database.url, 'credentials', entities);
    expect(drift.statements).toEqual([expect.stringMatching(/add column "granted_by" text null/)]);
    expect(drift.tablesWithoutEntity).toEqual([]);
  });

  it('reports an index the entity defines otherwise than the migration, though its name matches', async () => {
    const entities = [
      ...DOMAIN_ENTITIES.filter((entity) => entity.name !== 'ReportPayoutDaily'),
      ReportPayoutDailyNewestFirst,
    ];
    const drift = await schemaDrift(database.url, 'domain', entities);
    expect(drift.statements).toEqual([
      'drop index "domain"."report_payout_daily_tenant_day_index"',
      expect.stringMatching(/\(tenant_id, day desc\)$/),
    ]);
    expect(drift.tablesWithoutEntity).toEqual([]);
  });
});
