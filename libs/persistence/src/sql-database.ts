import { IsolationLevel, MikroORM } from '@mikro-orm/core';
import { Knex, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

export type Transaction = Knex.Transaction;

/**
 * Plain SQL over an app's MikroORM pool (`?` marks a bound parameter, `\?` a literal question mark, as in a jsonb
 * operator), for services whose writes are set-based or row-locking read-modify-write steps, clearer as explicit
 * statements than through a unit of work, and for reads that are reports rather than entities.
 * Each app subclasses it under its own name, so a module can only inject its own service's access.
 */
@Injectable()
export abstract class SqlDatabase {
  constructor(private readonly orm: MikroORM<PostgreSqlDriver>) {}

  public async query<T>(sql: string, params: unknown[] = [], trx?: Transaction): Promise<T[]> {
    return this.orm.em.getConnection().execute<T[]>(sql, params, 'all', trx);
  }

  public async one<T>(sql: string, params: unknown[] = [], trx?: Transaction): Promise<T | undefined> {
    const rows = await this.query<T>(sql, params, trx);
    return rows[0];
  }

  public transaction<T>(work: (trx: Transaction) => Promise<T>): Promise<T> {
    return this.orm.em.getConnection().transactional(work);
  }

  /**
   * Rows of a query in batches from a server-side cursor inside one read-only repeatable-read transaction (one
   * snapshot), so a result of millions of rows never sits in memory and is consistent from its first row to its
   * last. The transaction holds a pooled connection until the generator finishes or is returned early.
   */
  public async *cursor<T>(sql: string, params: unknown[] = [], batchSize = 1000): AsyncGenerator<T[]> {
    const connection = this.orm.em.getConnection();
    const trx = await connection.begin({ isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true });
    let committed = false;
    try {
      await connection.execute(`declare rows_cursor no scroll cursor for ${sql}`, params, 'run', trx);
      for (;;) {
        const rows = await connection.execute<T[]>(`fetch forward ${batchSize} from rows_cursor`, [], 'all', trx);
        if (rows.length === 0) break;
        yield rows;
        if (rows.length < batchSize) break;
      }
      await connection.commit(trx);
      committed = true;
    } finally {
      // A failed query or an abandoned read (the consumer stopped early) leaves the transaction open: end it before
      // the connection goes back to the pool.
      if (!committed) await connection.rollback(trx).catch(() => undefined);
    }
  }
}
