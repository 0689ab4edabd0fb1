import { MikroORM } from '@mikro-orm/core';
import { Knex, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

export type Transaction = Knex.Transaction;

/**
 * Plain SQL over the app's MikroORM pool (`?` marks a bound parameter). The credentials service's writes are
 * row-locking read-modify-write steps, clearer as explicit statements than through a unit of work.
 */
@Injectable()
export class CredentialsDatabase {
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
