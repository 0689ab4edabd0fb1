import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Pool, PoolClient, QueryResultRow, types } from 'pg';

import { ReadinessProbe } from '@pp/observability';
import { describeDatabaseUrl } from '@pp/persistence';

import { compile, Sql } from './sql';
import { TenantScope } from './tenant-scope';

// Money columns are bigint and sums are numeric: minor units fit in a double far beyond any agency's revenue,
// and JSON has no integer type wider than that anyway. Scoped to this pool, not pg's process-wide parsers.
const asNumber = (value: string) => Number(value);
const readerTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === types.builtins.INT8 || oid === types.builtins.NUMERIC
      ? asNumber
      : types.getTypeParser(oid, format as 'text')) as typeof types.getTypeParser,
};

/**
 * The reporting service's only door to PostgreSQL. It connects as a role with SELECT grants only
 * (pp_reporting_reader in development and tests), and every session is also read-only, so a bug here can
 * never write the normalized model. Every method takes a TenantScope.
 */
@Injectable()
export class ReportingDatabase implements OnModuleDestroy {
  private readonly logger = new Logger(ReportingDatabase.name);
  private readonly pool: Pool;

  constructor(config: ConfigService) {
    const url = config.getOrThrow<string>('DATABASE_URL');
    const statementTimeout = config.getOrThrow<number>('REPORTING_STATEMENT_TIMEOUT_MS');
    this.pool = new Pool({
      connectionString: url,
      max: config.getOrThrow<number>('REPORTING_DB_POOL_MAX'),
      application_name: 'pp-reporting',
      types: readerTypes,
      // No JIT: these queries take milliseconds, and compiling one can take hundreds when a large agency's estimates
      // cross the JIT cost thresholds.
      options: `-c default_transaction_read_only=on -c statement_timeout=${statementTimeout} -c TimeZone=UTC -c jit=off`,
    });
    this.pool.on('error', (error) => this.logger.warn({ err: error }, 'Idle database connection failed'));
    this.logger.log(`Reading PostgreSQL at ${describeDatabaseUrl(url)}`);
  }

  public async many<T extends QueryResultRow>(scope: TenantScope, query: Sql): Promise<T[]> {
    const { text, values } = compile(scope, query);
    return (await this.pool.query<T>(text, values)).rows;
  }

  public async one<T extends QueryResultRow>(scope: TenantScope, query: Sql): Promise<T | undefined> {
    return (await this.many<T>(scope, query))[0];
  }

  /**
   * Rows of a query in batches from a server-side cursor inside one read-only transaction (one snapshot), so an
   * export of millions of rows never sits in memory and is consistent from its first line to its last.
   */
  public async *cursor<T extends QueryResultRow>(
    scope: TenantScope,
    query: Sql,
    batchSize = 1000,
  ): AsyncGenerator<T[]> {
    const { text, values } = compile(scope, query);
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('begin isolation level repeatable read read only');
      await client.query(`declare report_export no scroll cursor for ${text}`, values);
      for (;;) {
        const { rows } = await client.query<T>(`fetch forward ${batchSize} from report_export`);
        if (rows.length === 0) break;
        yield rows;
        if (rows.length < batchSize) break;
      }
      await client.query('commit');
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      // An abandoned export (client hung up) leaves the transaction open: end it before the connection is reused.
      if (!broken) await rollbackQuietly(client);
      client.release(broken);
    }
  }

  public async ping(): Promise<void> {
    await this.pool.query('select 1');
  }

  public async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }
}

async function rollbackQuietly(client: PoolClient): Promise<void> {
  await client.query('rollback').catch(() => undefined);
}

@Injectable()
export class ReportingDatabaseProbe implements ReadinessProbe {
  public readonly name = 'postgresql';

  constructor(private readonly database: ReportingDatabase) {}

  public async isReady(): Promise<boolean> {
    try {
      await this.database.ping();
      return true;
    } catch {
      return false;
    }
  }
}
