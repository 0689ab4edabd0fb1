import type { EntityManager } from '@mikro-orm/postgresql';

import { TableStatistics } from './table-statistics.service';

/** A database that records each ANALYZE and reports the table as holding `rows` rows afterwards. */
function fakeDatabase(rowsAfterAnalyze: () => number) {
  const analyzed: string[] = [];
  const raw = jest.fn(async (statement: string) => {
    if (statement.startsWith('analyze ')) analyzed.push(statement.slice('analyze '.length));
    return { rows: [{ reltuples: rowsAfterAnalyze() }] };
  });
  const em = { getConnection: () => ({ getKnex: () => ({ raw }) }) } as unknown as EntityManager;
  return { em, analyzed };
}

describe('TableStatistics', () => {
  it('analyzes a growing table each time the rows written since reach what it held at the last ANALYZE', async () => {
    let total = 0;
    const { em, analyzed } = fakeDatabase(() => total);
    const statistics = new TableStatistics(em);
    const write = async (rows: number) => {
      total += rows;
      statistics.noteWrites(new Map([['reward', rows]]));
      await statistics.onApplicationShutdown();
    };

    await write(1_500);
    expect(analyzed).toEqual([]);
    await write(1_000); // 2,500 written: past the floor of 2,000
    expect(analyzed).toEqual(['domain.reward']);
    await write(2_000); // 2,000 since, but the table held 2,500
    expect(analyzed).toHaveLength(1);
    await write(600);
    expect(analyzed).toHaveLength(2);
  });

  it('counts tables apart and ignores names that are not plain table names', async () => {
    const { em, analyzed } = fakeDatabase(() => 0);
    const statistics = new TableStatistics(em);
    statistics.noteWrites(
      new Map([
        ['billing_record', 2_000],
        ['payout', 10],
        ['reward; drop table x', 5_000],
      ]),
    );
    await statistics.onApplicationShutdown();
    expect(analyzed).toEqual(['domain.billing_record']);
  });
});
