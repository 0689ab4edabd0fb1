import { MikroORM } from '@mikro-orm/core';
import { Knex, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

export type Transaction = Knex.Transaction;

/**
 * Plain SQL over an app's MikroORM pool (`?` marks a bound parameter), for services whose writes are set-based
 * or row-locking read-modify-write steps, clearer as explicit statements than through a unit of work.
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
}
