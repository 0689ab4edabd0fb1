import { MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';

import { createTestDatabase } from '@pp/testing';

import { PostgresRequestPacer } from '../../../apps/sync/src/database/postgres-request.pacer';
import { SyncDatabase } from '../../../apps/sync/src/database/sync-database';

describe(PostgresRequestPacer.name, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const orms: MikroORM<PostgreSqlDriver>[] = [];

  async function pacerOfAnotherWorker(requestsPerMinute: number): Promise<PostgresRequestPacer> {
    const orm = await MikroORM.init<PostgreSqlDriver>({
      driver: PostgreSqlDriver,
      clientUrl: database.url,
      entities: [],
      discovery: { warnWhenNoEntities: false },
      allowGlobalContext: true,
    });
    orms.push(orm);
    return new PostgresRequestPacer(new SyncDatabase(orm), requestsPerMinute);
  }

  beforeAll(async () => {
    database = await createTestDatabase('pp_sync_pacer');
  });

  afterAll(async () => {
    for (const orm of orms) await orm.close(true);
    await database.drop();
  });

  it('holds several workers together to one pace per token, and paces each token on its own', async () => {
    const [first, second] = await Promise.all([pacerOfAnotherWorker(1_200), pacerOfAnotherWorker(1_200)]);
    const started = Date.now();
    // 1,200/min is 20/s with a burst of 20: 60 requests from two workers need at least (60 - 20) / 20 = 2 s.
    await Promise.all(Array.from({ length: 60 }, (_, index) => (index % 2 === 0 ? first : second).acquire('token-a')));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(elapsed).toBeLessThan(4_000);

    const other = Date.now();
    await Promise.all(Array.from({ length: 10 }, () => first.acquire('token-b')));
    expect(Date.now() - other).toBeLessThan(500);
  });
});
