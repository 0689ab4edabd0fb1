import { HttpModule } from '@nestjs/axios';
import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';

import { PARTNERSTACK_CLIENT_OPTIONS, PartnerStackClient } from './partnerstack.client';
import type { PartnerStackClientOptions } from './partnerstack.types';

export interface PartnerStackClientAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: unknown[];
  useFactory: (...args: never[]) => PartnerStackClientOptions | Promise<PartnerStackClientOptions>;
}

@Module({})
export class PartnerStackClientModule {
  static register(options: PartnerStackClientOptions): DynamicModule {
    return PartnerStackClientModule.registerAsync({ useFactory: () => options });
  }

  /** Typically `inject: [ConfigService]` and `baseUrl: config.get('PARTNERSTACK_API_URL')`. */
  static registerAsync({ imports = [], inject = [], useFactory }: PartnerStackClientAsyncOptions): DynamicModule {
    return {
      module: PartnerStackClientModule,
      imports: [HttpModule, ...imports],
      providers: [
        {
          provide: PARTNERSTACK_CLIENT_OPTIONS,
          inject: inject as never[],
          useFactory: useFactory as (...args: unknown[]) => PartnerStackClientOptions,
        },
        PartnerStackClient,
      ],
      exports: [PartnerStackClient],
    };
  }
}
