import { EntityClass, MikroORM } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { DynamicModule, Injectable, Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Client } from 'pg';

import { ReadinessProbe } from '@pp/observability';

import { describeDatabaseUrl } from './database-url';

@Injectable()
export class DatabaseReadinessProbe implements ReadinessProbe {
  public readonly name = 'postgresql';

  constructor(private readonly orm: MikroORM) {}

  public async isReady(): Promise<boolean> {
    try {
      await this.orm.em.getConnection().execute('select 1');
      return true;
    } catch {
      return false;
    }
  }
}

/** How every connection of an app's pool is set up, where that depends on the app's configuration. */
export interface ConnectionSettings {
  /** Overrides `poolMax`, for a size the app reads from its configuration. */
  poolMax?: number;
  /**
   * How long a query may wait for a free pool connection before it fails with a KnexTimeoutError (which the
   * exception filter answers as 503 with Retry-After); knex's default is 60 s, long enough to pile up requests.
   */
  acquireTimeoutMs?: number;
  /** Shown in `pg_stat_activity`. */
  applicationName?: string;
  /**
   * Run-time parameters each session starts with (`-c name=value` at connect, so no extra round trip), e.g.
   * `default_transaction_read_only` or `statement_timeout`.
   */
  sessionSettings?: Record<string, string | number>;
  /** Result parsers by type OID for this pool's connections only; pg's process-wide parsers stay untouched. */
  typeParsers?: Record<number, (text: string) => unknown>;
}

export interface PersistenceOptions {
  entities: EntityClass<unknown>[];
  /** Connection pool size; workers that batch need few, HTTP services more. */
  poolMax?: number;
  /** Env variable holding the URL; the reporting service reads through a read-only role's URL. */
  urlVariable?: string;
  connection?: (config: ConfigService) => ConnectionSettings;
}

const SETTING_NAME = /^[a-z_][a-z0-9_.]*$/i;

/** libpq's `options` string; a space inside a value is escaped with a backslash. */
function sessionOptions(settings: Record<string, string | number>): string {
  return Object.entries(settings)
    .map(([name, value]) => {
      if (!SETTING_NAME.test(name)) throw new Error(`Not a PostgreSQL setting name: '${name}'`);
      return `-c ${name}=${String(value).replace(/([\\ ])/g, '\\$1')}`;
    })
    .join(' ');
}

function withTypeParsers(parsers: Record<number, (text: string) => unknown>) {
  return (connection: Client, done: (error: Error | null, connection: Client) => void): void => {
    for (const [oid, parse] of Object.entries(parsers)) connection.setTypeParser(Number(oid), 'text', parse);
    done(null, connection);
  };
}

@Module({})
export class PersistenceModule {
  static forRoot({
    entities,
    poolMax = 10,
    urlVariable = 'DATABASE_URL',
    connection,
  }: PersistenceOptions): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        MikroOrmModule.forRootAsync({
          inject: [ConfigService],
          driver: PostgreSqlDriver,
          useFactory: (config: ConfigService) => {
            const url = config.getOrThrow<string>(urlVariable);
            new Logger(PersistenceModule.name).log(`Using PostgreSQL at ${describeDatabaseUrl(url)}`);
            const settings = connection?.(config) ?? {};
            return {
              driver: PostgreSqlDriver,
              clientUrl: url,
              entities,
              discovery: { warnWhenNoEntities: false },
              // The app must boot while the database is down: /health/ready reports it until it is back.
              connect: false,
              pool: {
                min: 0,
                max: settings.poolMax ?? poolMax,
                acquireTimeoutMillis: settings.acquireTimeoutMs,
                afterCreate: settings.typeParsers && withTypeParsers(settings.typeParsers),
              },
              driverOptions: {
                connection: {
                  application_name: settings.applicationName,
                  options: settings.sessionSettings && sessionOptions(settings.sessionSettings),
                },
              },
              registerRequestContext: true,
              forceUtcTimezone: true,
              debug: false,
            };
          },
        }),
      ],
      providers: [DatabaseReadinessProbe],
      exports: [DatabaseReadinessProbe],
    };
  }
}
