import { EntityClass, MikroORM } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { DynamicModule, Injectable, Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

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

export interface PersistenceOptions {
  entities: EntityClass<unknown>[];
  /** Connection pool size; workers that batch need few, HTTP services more. */
  poolMax?: number;
  /** Env variable holding the URL; the reporting service reads through a read-only role's URL. */
  urlVariable?: string;
}

@Module({})
export class PersistenceModule {
  static forRoot({ entities, poolMax = 10, urlVariable = 'DATABASE_URL' }: PersistenceOptions): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        MikroOrmModule.forRootAsync({
          inject: [ConfigService],
          driver: PostgreSqlDriver,
          useFactory: (config: ConfigService) => {
            const url = config.getOrThrow<string>(urlVariable);
            new Logger(PersistenceModule.name).log(`Using PostgreSQL at ${describeDatabaseUrl(url)}`);
            return {
              driver: PostgreSqlDriver,
              clientUrl: url,
              entities,
              discovery: { warnWhenNoEntities: false },
              // The app must boot while the database is down: /health/ready reports it until it is back.
              connect: false,
              pool: { min: 0, max: poolMax },
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
