import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { z } from 'zod';

import { envValidator, ValidateEnvOptions } from './env';

@Module({})
export class AppConfigModule {
  /** Validated, typed environment for one app; `.env` is read in development only. */
  static forRoot<S extends z.ZodType>(schema: S, options?: ValidateEnvOptions): DynamicModule {
    return {
      module: AppConfigModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          cache: true,
          ignoreEnvFile: process.env.NODE_ENV === 'production',
          validate: envValidator(schema, options) as (raw: Record<string, unknown>) => Record<string, unknown>,
        }),
      ],
      exports: [ConfigModule],
    };
  }
}
