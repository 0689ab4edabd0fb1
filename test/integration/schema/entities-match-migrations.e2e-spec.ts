import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

import { CREDENTIALS_ENTITIES } from '../../../apps/credentials/src/database/credentials-entities';
import { SYNC_ENTITIES } from '../../../apps/sync/src/database/sync-entities';
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

/** Each service's schema beside the entities that declare it; the schema test fails on any column either lacks. */
const OWNED_SCHEMAS = [
  { schema: 'credentials', entities: CREDENTIALS_ENTITIES },
  { schema: 'sync', entities: SYNC_ENTITIES },
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
});
