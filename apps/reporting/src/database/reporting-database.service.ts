import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { types } from 'pg';

import { ConnectionSettings, SqlDatabase } from '@pp/persistence';

import { compile, Sql } from './sql';
import { TenantScope } from './tenant-scope';

const asNumber = (text: string) => Number(text);

/**
 * Every reporting connection: read-only (it connects as a role with SELECT grants only, pp_reporting_reader in
 * development and tests, and each session is read-only too, so a bug here can never write the normalized model),
 * bounded in time (a statement, a wait for a pooled connection, and a transaction left idle, which would otherwise
 * keep its snapshot and hold back vacuum), in UTC, and without JIT: these queries take milliseconds, and compiling
 * one can take hundreds when a large agency's estimates cross the JIT cost thresholds.
 */
export function readerConnection(config: ConfigService): ConnectionSettings {
  return {
    poolMax: config.getOrThrow<number>('REPORTING_DB_POOL_MAX'),
    acquireTimeoutMs: config.getOrThrow<number>('REPORTING_DB_ACQUIRE_TIMEOUT_MS'),
    applicationName: 'pp-reporting',
    sessionSettings: {
      default_transaction_read_only: 'on',
      statement_timeout: config.getOrThrow<number>('REPORTING_STATEMENT_TIMEOUT_MS'),
      idle_in_transaction_session_timeout: config.getOrThrow<number>('REPORTING_IDLE_TRANSACTION_TIMEOUT_MS'),
      TimeZone: 'UTC',
      jit: 'off',
    },
    typeParsers: {
      // Money columns are bigint and sums are numeric: minor units fit in a double far beyond any agency's
      // revenue, and JSON has no integer type wider than that anyway.
      [types.builtins.INT8]: asNumber,
      [types.builtins.NUMERIC]: asNumber,
      // MikroORM's connections return these as text; rows carry the `Date`s the entities declare.
      [types.builtins.DATE]: types.getTypeParser(types.builtins.DATE),
      [types.builtins.TIMESTAMP]: types.getTypeParser(types.builtins.TIMESTAMP),
      [types.builtins.TIMESTAMPTZ]: types.getTypeParser(types.builtins.TIMESTAMPTZ),
    },
  };
}

/** The service's pool; injected only by ReportingDatabase, so no query reaches it without a TenantScope. */
@Injectable()
export class ReportingSql extends SqlDatabase {}

/** The reporting service's only door to PostgreSQL: every method takes a TenantScope. */
@Injectable()
export class ReportingDatabase {
  constructor(private readonly database: ReportingSql) {}

  public async many<T>(scope: TenantScope, query: Sql): Promise<T[]> {
    const { text, values } = compile(scope, query);
    return this.database.query<T>(text, values);
  }

  public async one<T>(scope: TenantScope, query: Sql): Promise<T | undefined> {
    return (await this.many<T>(scope, query))[0];
  }

  /** Rows in batches from one read-only snapshot (SqlDatabase.cursor), for exports of any size. */
  public async *cursor<T>(scope: TenantScope, query: Sql, batchSize = 1000): AsyncGenerator<T[]> {
    const { text, values } = compile(scope, query);
    yield* this.database.cursor<T>(text, values, batchSize);
  }
}
