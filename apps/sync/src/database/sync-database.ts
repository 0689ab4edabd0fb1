import { MikroORM } from '@mikro-orm/core';
import { Knex, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

export type Transaction = Knex.Transaction;

/**
 * Plain SQL over the app's MikroORM connection pool. The sync's hot paths are set-based (a page of 250 records
 * in one statement), which the unit-of-work model does not express; `?` marks a bound parameter.
 */
@Injectable()
export class SyncDatabase {
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
}
